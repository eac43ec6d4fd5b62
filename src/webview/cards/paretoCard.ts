/**
 * The Pareto card: an SVG scatter of each finished run (or seed group, with error bars) on two tasks' final
 * headline metrics, the single-task baselines as dashed reference lines, the non-dominated front as a line
 * through its points, a task pair picker when there are more than two tasks, and a detail line naming the
 * point under the pointer or keyboard focus with its config difference. Points are focusable (Tab).
 */
import { el, singleSelect } from '../dom';
import { svgToPng } from '../chart/svgPng';
import { linearScale } from '../data/scale';
import { runColor } from '../colors';
import { formatValue } from '../data/transforms';
import { paretoPlot, paretoTasks, type ParetoAxis, type ParetoPlot, type ParetoPlotPoint } from '../data/paretoView';
import { trajectories, type Trajectory } from '../data/trajectories';
import type { DashboardContext } from '../context';
import type { Card } from './cardStack';

const SVG = 'http://www.w3.org/2000/svg';
const W = 520;
const H = 340;
const M = { left: 64, right: 16, top: 12, bottom: 44 };

/** The task pair and mode shown (not persisted: they fall back to the first two tasks and the final metrics). */
export const paretoPair: { x?: string; y?: string; trajectories?: boolean } = {};

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  e.append(...children);
  return e;
}

/** Whether the comparison has a Pareto card: two finished multi-task runs sharing two tasks. */
export function hasPareto(context: DashboardContext): boolean {
  return paretoTasks([...context.model.runs.values()]).length >= 2;
}

export function renderPareto(context: DashboardContext, card: Card | undefined): void {
  if (!card) return;
  const runs = context.visibleRuns();
  const tasks = paretoTasks(runs).map((t) => t.name);
  if (tasks.length < 2) return void card.body.replaceChildren(el('p', { class: 'note' }, 'Two finished multi-task runs are needed for a Pareto view.'));
  const xTask = paretoPair.x && tasks.includes(paretoPair.x) ? paretoPair.x : tasks[0];
  const yTask = paretoPair.y && tasks.includes(paretoPair.y) && paretoPair.y !== xTask ? paretoPair.y : tasks.find((t) => t !== xTask)!;
  const plot = paretoPlot(runs, xTask, yTask, context.state.groupView ?? 'runs');
  const parts: HTMLElement[] = [modePicker(context, card)];
  if (tasks.length > 2) parts.push(pairPicker(context, card, tasks, xTask, yTask));
  if (paretoPair.trajectories) {
    const paths = trajectories(runs, (id, task) => context.model.points(id, `loss/${task}`), xTask, yTask);
    const drawn = drawTrajectories(context, paths, xTask, yTask);
    parts.push(exportButton(context, drawn, `Loss-trajectories-${xTask}-${yTask}`), el('div', { class: 'pareto-plot' }, drawn), el('p', { class: 'note' }, `Each run's train losses of ${xTask} and ${yTask} over training: from the hollow point (first logged step) to the filled one (latest); lower-left is better for both.`));
    return void card.body.replaceChildren(...parts);
  }
  const detail = el('p', { class: 'pareto-detail', 'aria-live': 'polite' }, 'Hover or focus a point to see its run and config difference.');
  if (plot) {
    const drawn = drawPlot(context, plot, detail);
    parts.push(exportButton(context, drawn, `Pareto-${xTask}-${yTask}`), el('div', { class: 'pareto-plot' }, drawn), detail, el('p', { class: 'note' }, conventionOf(plot)));
  }
  card.body.replaceChildren(...parts);
}

/** "Export as PNG", as on the line charts: the drawn SVG on the theme background, saved by the host. */
function exportButton(context: DashboardContext, drawn: SVGSVGElement, name: string): HTMLElement {
  const save = el('vscode-button', { icon: 'device-camera', secondary: '', class: 'png', title: 'Export as PNG', 'aria-label': `Export the ${name.replace(/-/g, ' ')} view as PNG`, 'data-action': 'export-pareto-png' });
  save.addEventListener('click', () => {
    svgToPng(drawn, context.theme().background).then(
      (dataUrl) => context.post({ type: 'exportPng', suggestedName: `${name.replace(/[^A-Za-z0-9-]+/g, '-')}.png`, dataUrl }),
      (error: Error) => context.post({ type: 'log', level: 'warning', message: `Pareto PNG export failed: ${error.message}` }),
    );
  });
  return save;
}

function conventionOf(plot: ParetoPlot): string {
  const dir = (a: ParetoAxis) => `${a.task} ${a.metric} (${a.higherIsBetter ? 'higher' : 'lower'} is better)`;
  return `Final validation ${dir(plot.x)} against ${dir(plot.y)}. Filled points are on the non-dominated front (no other point is at least as good on both and better on one); dashed lines are the single-task baselines (mean over seeds).`;
}

function modePicker(context: DashboardContext, card: Card): HTMLElement {
  const select = singleSelect('Pareto view mode', 'pareto-mode');
  for (const [value, label] of [['final', 'Final metrics'], ['trajectories', 'Loss trajectories']]) {
    const o = el('vscode-option', { value }, label);
    if ((value === 'trajectories') === Boolean(paretoPair.trajectories)) o.setAttribute('selected', '');
    select.append(o);
  }
  select.addEventListener('change', () => {
    paretoPair.trajectories = select.value === 'trajectories';
    renderPareto(context, card);
  });
  return el('span', { class: 'control' }, 'Show ', select);
}

/** Trajectory mode: one path per run through the two task losses. */
function drawTrajectories(context: DashboardContext, paths: Trajectory[], xTask: string, yTask: string): SVGSVGElement {
  const xs = paths.flatMap((p) => p.x);
  const ys = paths.flatMap((p) => p.y);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'group', 'aria-label': `Loss trajectories: ${xTask} against ${yTask}` });
  root.append(svg('rect', { x: M.left, y: M.top, width: W - M.left - M.right, height: H - M.top - M.bottom, class: 'pareto-frame' }));
  if (xs.length === 0) return root;
  const sx = linearScale(xs, M.left, W - M.right).at;
  const sy = linearScale(ys, H - M.bottom, M.top).at;
  root.append(...ticks(xs, (v) => svg('text', { x: sx(v), y: H - M.bottom + 16, 'text-anchor': 'middle' }, formatValue(v))));
  root.append(...ticks(ys, (v) => svg('text', { x: M.left - 6, y: sy(v) + 4, 'text-anchor': 'end' }, formatValue(v))));
  root.append(svg('text', { x: (M.left + W - M.right) / 2, y: H - 6, 'text-anchor': 'middle' }, `${xTask} train loss`));
  root.append(svg('text', { x: 14, y: (M.top + H - M.bottom) / 2, 'text-anchor': 'middle', transform: `rotate(-90 14 ${(M.top + H - M.bottom) / 2})` }, `${yTask} train loss`));
  for (const p of paths) {
    const color = runColor(p.runId, context.model.colors);
    const n = p.x.length - 1;
    const text = `${p.label}: ${xTask} ${formatValue(p.x[0])} → ${formatValue(p.x[n])}, ${yTask} ${formatValue(p.y[0])} → ${formatValue(p.y[n])} (steps ${p.steps[0]}–${p.steps[n]})`;
    root.append(
      svg('g', { class: 'pareto-path', tabindex: 0, role: 'img', 'aria-label': text, 'data-run': p.runId, 'data-last-x': p.x[n], 'data-last-y': p.y[n], 'data-points': p.x.length },
        svg('title', {}, text),
        svg('polyline', { points: p.x.map((x, i) => `${sx(x)},${sy(p.y[i])}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 1.5 }),
        svg('circle', { cx: sx(p.x[0]), cy: sy(p.y[0]), r: 4, fill: 'none', stroke: color, 'stroke-width': 2 }),
        svg('circle', { cx: sx(p.x[n]), cy: sy(p.y[n]), r: 4, fill: color, stroke: color })),
    );
  }
  return root;
}

function pairPicker(context: DashboardContext, card: Card, tasks: string[], xTask: string, yTask: string): HTMLElement {
  const pick = (axis: 'x' | 'y', current: string) => {
    const select = singleSelect(`Task on the ${axis} axis`, `pareto-${axis}`);
    for (const t of tasks) {
      const o = el('vscode-option', { value: t }, t);
      if (t === current) o.setAttribute('selected', '');
      select.append(o);
    }
    select.addEventListener('change', () => {
      if (tasks.includes(select.value)) paretoPair[axis] = select.value;
      renderPareto(context, card);
    });
    return el('span', { class: 'control' }, `${axis.toUpperCase()} `, select);
  };
  return el('div', { class: 'matrix-controls' }, pick('x', xTask), pick('y', yTask));
}


function drawPlot(context: DashboardContext, plot: ParetoPlot, detail: HTMLElement): SVGSVGElement {
  const xs = plot.points.flatMap((p) => [p.x, ...(p.xRange ?? [])]).concat(plot.baselines.x ?? []);
  const ys = plot.points.flatMap((p) => [p.y, ...(p.yRange ?? [])]).concat(plot.baselines.y ?? []);
  const sx = linearScale(xs, M.left, W - M.right).at;
  const sy = linearScale(ys, H - M.bottom, M.top).at;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'group', 'aria-label': `Pareto view: ${plot.x.task} against ${plot.y.task}` });
  root.append(svg('rect', { x: M.left, y: M.top, width: W - M.left - M.right, height: H - M.top - M.bottom, class: 'pareto-frame' }));
  root.append(...ticks(xs, (v) => svg('text', { x: sx(v), y: H - M.bottom + 16, 'text-anchor': 'middle' }, formatValue(v))));
  root.append(...ticks(ys, (v) => svg('text', { x: M.left - 6, y: sy(v) + 4, 'text-anchor': 'end' }, formatValue(v))));
  root.append(svg('text', { x: (M.left + W - M.right) / 2, y: H - 6, 'text-anchor': 'middle' }, `${plot.x.task} ${plot.x.metric}`));
  root.append(svg('text', { x: 14, y: (M.top + H - M.bottom) / 2, 'text-anchor': 'middle', transform: `rotate(-90 14 ${(M.top + H - M.bottom) / 2})` }, `${plot.y.task} ${plot.y.metric}`));
  if (plot.baselines.x !== undefined) root.append(svg('line', { class: 'pareto-baseline', 'data-baseline': plot.x.task, x1: sx(plot.baselines.x), x2: sx(plot.baselines.x), y1: M.top, y2: H - M.bottom }));
  if (plot.baselines.y !== undefined) root.append(svg('line', { class: 'pareto-baseline', 'data-baseline': plot.y.task, x1: M.left, x2: W - M.right, y1: sy(plot.baselines.y), y2: sy(plot.baselines.y) }));
  const front = plot.points.filter((p) => p.onFront).sort((a, b) => a.x - b.x);
  if (front.length > 1) root.append(svg('polyline', { class: 'pareto-front', points: front.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' ') }));
  for (const p of plot.points) root.append(pointOf(context, plot, p, sx, sy, detail));
  return root;
}

/** Four ticks across the values' range. */
function ticks(values: number[], make: (v: number) => SVGElement): SVGElement[] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (!(hi > lo)) return [make(lo)];
  return [0, 1, 2, 3].map((i) => make(lo + ((hi - lo) * i) / 3));
}

export function describePoint(p: ParetoPlotPoint, plot?: { x: ParetoAxis; y: ParetoAxis }): string {
  const bars = (r: [number, number] | undefined) => (r ? ` (${formatValue(r[0])}–${formatValue(r[1])})` : '');
  const values = plot ? `: ${plot.x.task} ${formatValue(p.x)}${bars(p.xRange)}, ${plot.y.task} ${formatValue(p.y)}${bars(p.yRange)}` : '';
  const diff = p.differences.length > 0 ? `; differs by ${p.differences.join(', ')}` : '';
  return `${p.label}${values}${p.onFront ? ' — on the front' : ''}${diff}`;
}

function pointOf(context: DashboardContext, plot: ParetoPlot, p: ParetoPlotPoint, sx: (v: number) => number, sy: (v: number) => number, detail: HTMLElement): SVGGElement {
  const color = runColor(p.colorRun, context.model.colors);
  const cx = sx(p.x);
  const cy = sy(p.y);
  const text = describePoint(p, plot);
  const g = svg('g', { class: 'pareto-point', tabindex: 0, role: 'img', 'aria-label': text, 'data-id': p.id, 'data-x': p.x, 'data-y': p.y, 'data-front': String(p.onFront) }, svg('title', {}, text));
  if (p.xRange) g.append(svg('line', { class: 'pareto-bar', stroke: color, x1: sx(p.xRange[0]), x2: sx(p.xRange[1]), y1: cy, y2: cy }));
  if (p.yRange) g.append(svg('line', { class: 'pareto-bar', stroke: color, x1: cx, x2: cx, y1: sy(p.yRange[0]), y2: sy(p.yRange[1]) }));
  g.append(svg('circle', { cx, cy, r: p.onFront ? 6 : 5, fill: p.onFront ? color : 'none', stroke: color, 'stroke-width': 2 }));
  const show = () => (detail.textContent = text);
  g.addEventListener('mouseenter', show);
  g.addEventListener('focus', show);
  return g;
}
