/** softmax of a short vector in plain JS (RLW's draws, FAMO's logits), shifted by the maximum so it never overflows. */
export function softmaxOf(z: readonly number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
