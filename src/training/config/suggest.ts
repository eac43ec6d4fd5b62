/** "Did you mean …?" for misspelt keys, enum values and task names. */

/** Case, `_` and `-` do not count: `learning_rate` and `LearningRate` both mean `learningRate`. */
function normalise(word: string): string {
  return word.toLowerCase().replace(/[_-]/g, '');
}

/** Edit distance counting insertions, deletions, substitutions and swaps of neighbours ("tsak" → "task" is 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidate closest to `word`, if one is close enough to be a likely typo: equal up to case and
 * separators, or within 1 edit for words of 4–5 characters and 2 for longer ones (3-letter words are
 * too short to guess from: "gpu" is one edit from "cpu"). Failing that, the one candidate that
 * contains the word ("gpu" → "tensorflow-gpu").
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const target = normalise(word);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(target, normalise(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = target.length >= 6 ? 2 : target.length >= 4 ? 1 : 0;
  if (best !== undefined && bestDistance <= allowed) return best;
  if (target.length < 3) return undefined;
  const containing = [...candidates].filter((candidate) => normalise(candidate).includes(target));
  return containing.length === 1 ? containing[0] : undefined;
}
