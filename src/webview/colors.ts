/** Stable run colours: a run keeps its colour across panels and reloads (hash of its id), unless the user picked one. */
// A palette that stays distinguishable on light, dark and high-contrast backgrounds (Tableau 20-like order).
const PALETTE = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f',
];

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

export function defaultRunColor(runId: string): string {
  return PALETTE[hash(runId) % PALETTE.length];
}

export function runColor(runId: string, chosen: Record<string, string>): string {
  const c = chosen[runId];
  return c !== undefined && /^#[0-9a-fA-F]{6}$/.test(c) ? c : defaultRunColor(runId);
}

/** A series colour within one run (tasks in a stacked area, pairs in the conflict chart). */
export function seriesColor(index: number): string {
  return PALETTE[(index * 3) % PALETTE.length];
}

export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
