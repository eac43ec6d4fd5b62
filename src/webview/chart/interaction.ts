/**
 * Pointer and keyboard on a line chart: the tooltip of the values nearest the pointer, drag-to-zoom and
 * double-click reset, keyboard zoom and pan, and the keyboard value cursor whose readings a live region
 * announces.
 */
import type { Chart } from 'chart.js';
import type { XAxisMode } from '../protocol';
import { formatValue } from '../data/transforms';
import { nearestIndex, xTickLabel } from './lines';
import type { SeriesLine, XRange } from './types';

/** How far (pixels, in x) a line's nearest point may be from the pointer to be in the tooltip. */
const TOOLTIP_REACH_PX = 24;
const TOOLTIP_ROWS = 10;

/** What the interaction needs of its chart. */
export interface InteractiveChart {
  readonly canvas: HTMLCanvasElement;
  /** The Chart.js instance (scales, plot area), once the chart has been drawn. */
  readonly chartjs: Chart | undefined;
  /** What the last draw drew, in drawing order. */
  readonly lines: readonly SeriesLine[];
  readonly xAxis: XAxisMode;
  readonly zoomRange: XRange | undefined;
  setZoom(min: number, max: number): void;
  resetZoom(): void;
}

export class ChartInteraction {
  /** The drag-zoom band, the value cursor, the tooltip and the live region, in this order over the canvas. */
  readonly selection: HTMLElement;
  readonly tooltip: HTMLElement;
  readonly cursorLine: HTMLElement;
  readonly announcer: HTMLElement;
  /** The keyboard value cursor (canvas x in CSS pixels), while the chart has focus and it was moved. */
  private cursorX: number | undefined;

  constructor(
    private readonly chart: InteractiveChart,
    /** The element the overlays are placed in (its width bounds the tooltip). */
    private readonly area: HTMLElement,
    private readonly height: number,
  ) {
    this.selection = document.createElement('div');
    this.selection.className = 'zoom-selection';
    this.selection.hidden = true;
    this.tooltip = document.createElement('div');
    this.tooltip.className = 'chart-tooltip';
    this.tooltip.hidden = true;
    this.cursorLine = document.createElement('div');
    this.cursorLine.className = 'value-cursor';
    this.cursorLine.hidden = true;
    // What the keyboard cursor reads, for screen readers (the tooltip itself is not announced).
    this.announcer = document.createElement('p');
    this.announcer.className = 'chart-reading';
    this.announcer.setAttribute('aria-live', 'polite');
    this.installPointer();
    this.installKeyboard();
  }

  /** After a redraw: a live update under the keyboard cursor shows the new values there (not announced again). */
  refresh(): void {
    const chartjs = this.chart.chartjs;
    if (this.cursorX !== undefined && chartjs) this.showTooltip(this.cursorX, (chartjs.chartArea.top + chartjs.chartArea.bottom) / 2);
  }

  /** The tooltip for a pointer at canvas x/y: per line (not the faint raw ones), its point nearest in x. Returns its text. */
  private showTooltip(localX: number, localY: number): string {
    const chart = this.chart.chartjs;
    const lines = this.chart.lines;
    if (!chart || lines.length === 0) return (this.hideTooltip(), '');
    const xScale = chart.scales.x;
    const yScale = chart.scales.y;
    const area = chart.chartArea;
    if (localX < area.left || localX > area.right || localY < area.top || localY > area.bottom) return (this.hideTooltip(), '');
    const xValue = xScale.getValueForPixel(localX) ?? NaN;
    const hits: { line: SeriesLine; index: number; dx: number; dy: number }[] = [];
    for (const line of lines) {
      if (line.raw || line.x.length === 0) continue;
      const index = nearestIndex(line.x, xValue);
      const dx = Math.abs(xScale.getPixelForValue(line.x[index]) - localX);
      if (dx > TOOLTIP_REACH_PX) continue;
      hits.push({ line, index, dx, dy: Math.abs(yScale.getPixelForValue(line.y[index]) - localY) });
    }
    if (hits.length === 0) return (this.hideTooltip(), '');
    hits.sort((a, b) => a.dy - b.dy);
    const nearest = hits.reduce((a, b) => (b.dx < a.dx ? b : a));
    const title = document.createElement('div');
    title.className = 'tooltip-title';
    title.textContent = `${this.chart.xAxis === 'step' ? 'step ' : ''}${xTickLabel(nearest.line.x[nearest.index], this.chart.xAxis)}`;
    const rows = hits.slice(0, TOOLTIP_ROWS).map((h) => {
      const row = document.createElement('div');
      const swatch = document.createElement('span');
      swatch.className = 'tooltip-swatch';
      swatch.style.background = h.line.color;
      row.append(swatch, `${h.line.label}: ${formatValue(h.line.v?.[h.index] ?? h.line.y[h.index])}`);
      return row;
    });
    if (hits.length > TOOLTIP_ROWS) rows.push(Object.assign(document.createElement('div'), { className: 'muted', textContent: `and ${hits.length - TOOLTIP_ROWS} more` }));
    this.tooltip.replaceChildren(title, ...rows);
    this.tooltip.hidden = false;
    // Beside the pointer, on the side with room.
    const left = localX + 12 + this.tooltip.offsetWidth > this.area.clientWidth ? Math.max(0, localX - 12 - this.tooltip.offsetWidth) : localX + 12;
    this.tooltip.style.left = `${left}px`;
    this.tooltip.style.top = `${Math.max(0, Math.min(localY + 12, this.height - this.tooltip.offsetHeight))}px`;
    return [title.textContent, ...rows.map((r) => r.textContent)].join('; ');
  }

  /**
   * Moves the keyboard value cursor: arrows by 2 % of the plot width, Home / End to its ends. The tooltip
   * shows the values there and the live region reads them out.
   */
  private moveCursor(key: string): void {
    const chart = this.chart.chartjs;
    if (!chart) return;
    const { left, right, top, bottom } = chart.chartArea;
    const step = (right - left) / 50;
    let x = this.cursorX ?? (key === 'ArrowLeft' || key === 'End' ? right : left);
    if (this.cursorX !== undefined || key === 'Home' || key === 'End') {
      if (key === 'ArrowLeft') x -= step;
      else if (key === 'ArrowRight') x += step;
      else if (key === 'Home') x = left;
      else if (key === 'End') x = right;
    }
    this.cursorX = Math.min(right, Math.max(left, x));
    this.cursorLine.hidden = false;
    this.cursorLine.style.left = `${Math.round(this.cursorX)}px`;
    this.cursorLine.style.top = `${Math.round(top)}px`;
    this.cursorLine.style.height = `${Math.round(bottom - top)}px`;
    this.announcer.textContent = this.showTooltip(this.cursorX, (top + bottom) / 2) || 'No values here.';
  }

  private hideCursor(): void {
    if (this.cursorX === undefined) return;
    this.cursorX = undefined;
    this.cursorLine.hidden = true;
    this.hideTooltip();
  }

  private hideTooltip(): void {
    this.tooltip.hidden = true;
  }

  /** Hover tooltip, drag-to-zoom, double-click reset. */
  private installPointer(): void {
    const canvas = this.chart.canvas;
    let startX: number | undefined;
    const local = (e: PointerEvent) => e.clientX - canvas.getBoundingClientRect().left;
    canvas.addEventListener('pointerdown', (e) => {
      this.hideTooltip();
      if (e.button !== 0 || !this.chart.chartjs) return;
      startX = local(e);
      canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (startX === undefined) {
        this.showTooltip(local(e), e.clientY - canvas.getBoundingClientRect().top);
        return;
      }
      const x = local(e);
      this.selection.hidden = Math.abs(x - startX) < 3;
      this.selection.style.left = `${Math.min(x, startX)}px`;
      this.selection.style.width = `${Math.abs(x - startX)}px`;
    });
    const finish = (e: PointerEvent) => {
      const chart = this.chart.chartjs;
      if (startX === undefined || !chart) return;
      const x = local(e);
      const from = startX;
      startX = undefined;
      this.selection.hidden = true;
      if (Math.abs(x - from) < 5) return; // a click, not a drag
      const scale = chart.scales.x;
      const a = scale.getValueForPixel(Math.min(x, from));
      const b = scale.getValueForPixel(Math.max(x, from));
      if (a !== undefined && b !== undefined) this.chart.setZoom(a, b);
    };
    canvas.addEventListener('pointerup', finish);
    canvas.addEventListener('pointerleave', () => {
      if (this.cursorX === undefined) this.hideTooltip();
    });
    canvas.addEventListener('blur', () => this.hideCursor());
    canvas.addEventListener('pointercancel', () => {
      startX = undefined;
      this.selection.hidden = true;
    });
    canvas.addEventListener('dblclick', () => this.chart.resetZoom());
  }

  /** `+` / `-` zoom, `0` / Esc reset, Shift+arrows pan, arrows / Home / End move the value cursor. */
  private installKeyboard(): void {
    this.chart.canvas.addEventListener('keydown', (e) => {
      const chart = this.chart.chartjs;
      if (!chart) return;
      const scale = chart.scales.x;
      const zoom = this.chart.zoomRange;
      const min = zoom?.min ?? scale.min;
      const max = zoom?.max ?? scale.max;
      const span = max - min;
      if (e.key === '+' || e.key === '=') this.chart.setZoom(min + span / 4, max - span / 4);
      else if (e.key === '-') this.chart.setZoom(min - span / 2, max + span / 2);
      else if (e.key === 'Escape' && this.cursorX !== undefined) this.hideCursor();
      else if (e.key === '0' || e.key === 'Escape') this.chart.resetZoom();
      else if (e.shiftKey && e.key === 'ArrowLeft' && zoom) this.chart.setZoom(min - span / 4, max - span / 4);
      else if (e.shiftKey && e.key === 'ArrowRight' && zoom) this.chart.setZoom(min + span / 4, max + span / 4);
      else if (!e.shiftKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End')) this.moveCursor(e.key);
      else return;
      e.preventDefault();
    });
  }
}
