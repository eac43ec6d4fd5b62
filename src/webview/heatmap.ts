/**
 * A matrix heatmap on a canvas (task × tower, task × expert, task × task cosine), values written in the
 * cells, with a text summary (the same numbers as a list) for screen readers.
 */
import type { MatrixSnapshot } from './protocol';
import type { ThemeColors } from './theme';
import { formatValue } from './data/transforms';

export interface HeatmapData {
  rowLabels: string[];
  columnLabels: string[];
  snapshot: MatrixSnapshot;
  /** "sequential" for weights in [0, 1]; "diverging" for cosines in [−1, 1]. */
  scale: 'sequential' | 'diverging';
  /** Sequential only: the value drawn at full colour (default 1), e.g. the largest of many small weights. */
  full?: number;
}

function mix(a: [number, number, number], b: [number, number, number], t: number): string {
  const c = a.map((x, i) => Math.round(x + (b[i] - x) * Math.max(0, Math.min(1, t))));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

export function cellColor(value: number, scale: HeatmapData['scale'], dark: boolean): string {
  const base: [number, number, number] = dark ? [30, 30, 30] : [250, 250, 250];
  if (scale === 'sequential') return mix(base, [49, 130, 206], value);
  return value >= 0 ? mix(base, [49, 130, 206], value) : mix(base, [214, 69, 65], -value);
}

export class Heatmap {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly summary: HTMLElement;
  data: HeatmapData | undefined;

  constructor(readonly title: string) {
    this.element = document.createElement('figure');
    this.element.className = 'heatmap';
    const caption = document.createElement('figcaption');
    caption.textContent = title;
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', title);
    this.summary = document.createElement('p');
    this.summary.className = 'sr-only';
    this.element.append(caption, this.canvas, this.summary);
  }

  render(data: HeatmapData, theme: ThemeColors): void {
    this.data = data;
    const { rowLabels, columnLabels, snapshot } = data;
    const dpr = window.devicePixelRatio || 1;
    const labelWidth = 90;
    const header = 22;
    const cell = Math.max(28, Math.min(64, Math.floor(((this.element.clientWidth || 480) - labelWidth) / Math.max(1, columnLabels.length))));
    const width = labelWidth + cell * columnLabels.length;
    const height = header + cell * rowLabels.length;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px sans-serif';
    ctx.textBaseline = 'middle';
    const dark = document.body.classList.contains('vscode-dark') || document.body.classList.contains('vscode-high-contrast');
    ctx.fillStyle = theme.foreground;
    ctx.textAlign = 'center';
    columnLabels.forEach((c, j) => ctx.fillText(c, labelWidth + j * cell + cell / 2, header / 2, cell - 2));
    rowLabels.forEach((r, i) => {
      ctx.fillStyle = theme.foreground;
      ctx.textAlign = 'right';
      ctx.fillText(r, labelWidth - 6, header + i * cell + cell / 2, labelWidth - 8);
      columnLabels.forEach((_, j) => {
        const v = snapshot.rows[i]?.[j] ?? NaN;
        ctx.fillStyle = Number.isFinite(v) ? cellColor(data.full ? v / data.full : v, data.scale, dark) : theme.background;
        ctx.fillRect(labelWidth + j * cell + 1, header + i * cell + 1, cell - 2, cell - 2);
        if (theme.highContrast) {
          ctx.strokeStyle = theme.foreground;
          ctx.strokeRect(labelWidth + j * cell + 1, header + i * cell + 1, cell - 2, cell - 2);
        }
        ctx.fillStyle = Math.abs(data.full ? v / data.full : v) > 0.55 ? '#ffffff' : theme.foreground;
        ctx.textAlign = 'center';
        ctx.fillText(Number.isFinite(v) ? v.toFixed(2) : '—', labelWidth + j * cell + cell / 2, header + i * cell + cell / 2, cell - 4);
      });
    });
    this.summary.textContent = `${this.title} at step ${snapshot.step}: ${rowLabels
      .map((r, i) => `${r}: ${columnLabels.map((c, j) => `${c} ${formatValue(snapshot.rows[i]?.[j] ?? NaN)}`).join(', ')}`)
      .join('; ')}.`;
  }
}
