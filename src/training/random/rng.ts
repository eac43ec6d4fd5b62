/**
 * Seeded pseudo-random numbers (sfc32), with state that can be saved and restored.
 *
 * Everything random in a run is derived from the config seed and a *purpose and position*
 * (`deriveSeed(seed, 'order', epoch)`), not drawn from one long stream. That makes resume exact by
 * construction: a resumed run at step s draws what an uninterrupted run draws at step s.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number) {
    // splitmix32 expands one 32-bit seed into four well-mixed words.
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller, the second value kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  getState(): number[] {
    return [this.a, this.b, this.c, this.d, this.spare ?? Number.NaN];
  }

  setState(state: readonly number[]): void {
    [this.a, this.b, this.c, this.d] = state.map((v) => v >>> 0);
    this.spare = Number.isNaN(state[4]) ? null : state[4];
  }
}

/** A 32-bit seed for one purpose at one position, e.g. `deriveSeed(42, 'order', epoch)`. */
export function deriveSeed(seed: number, purpose: string, ...position: number[]): number {
  // FNV-1a over the purpose and positions, then mixed with the seed.
  let h = 0x811c9dc5 ^ (seed >>> 0);
  const mix = (x: number) => {
    h ^= x & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (let i = 0; i < purpose.length; i++) mix(purpose.charCodeAt(i));
  for (const p of position) for (let k = 0; k < 4; k++) mix((p >>> (8 * k)) & 0xff);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  return h >>> 0;
}

export function rngFor(seed: number, purpose: string, ...position: number[]): Rng {
  return new Rng(deriveSeed(seed, purpose, ...position));
}
