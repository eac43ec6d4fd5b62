/**
 * A study's figures for `mtl-lab study --report DIR`, as standalone SVG (pure; figurePng.ts turns them into
 * PNG where a Chromium is installed):
 * - the Pareto view of a task pair: each method group at the mean of its final headline metrics with ± std
 *   error bars, the single-task baselines as dashed lines, the non-dominated front through its points;
 * - a task's train loss per group: the mean over seeds with a ± std band, as the dashboard's Seeds control
 *   draws it (the same statistics: webview/data/groupBands.ts).
 * The dashboard's own cards are interactive DOM; these are the printable counterparts.
 */
import { headlineMetric } from '../evaluation/deltaM';
import type { TaskConfig } from '../config/schema';
import { groupStats } from '../../webview/data/groupBands';
import { linearScale } from '../../webview/data/scale';
import type { Points } from '../../webview/protocol';
import type { ComparedRun, HasInfo, RunGroup } from './compare';
import { paretoFront } from './pareto';

type Task = Pick<TaskConfig, 'name' | 'type'>;

export const FIGURE = { width: 680, height: 400 } as const;
const M = { left: 70, right: 230, top: 16, bottom: 48 };
/** Colour-blind-safe (Okabe–Ito), on white. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3));

function frame(title: string, xLabel: string, yLabel: string, xs: ReturnType<typeof linearScale>, ys: ReturnType<typeof linearScale>): string[] {
  const { width: W, height: H } = FIGURE;
  const out = [
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
    `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#888888"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text x="16" y="${(M.top + H - M.bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(M.top + H - M.bottom) / 2})">${esc(yLabel)}</text>`,
    `<title>${esc(title)}</title>`,
  ];
  for (let i = 0; i <= 3; i++) {
    const x = xs.lo + ((xs.hi - xs.lo) * i) / 3;
    const y = ys.lo + ((ys.hi - ys.lo) * i) / 3;
    out.push(`<text x="${xs.at(x).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${fmt(x)}</text>`);
    out.push(`<text x="${M.left - 6}" y="${(ys.at(y) + 4).toFixed(1)}" text-anchor="end">${fmt(y)}</text>`);
  }
  return out;
}

function legend(entries: { label: string; color: string; dashed?: boolean }[]): string[] {
  const x = FIGURE.width - M.right + 12;
  return entries.flatMap((e, i) => {
    const y = M.top + 12 + i * 18;
    // The end of a group's label is what tells groups apart (its overrides), so a long one loses its start.
    const label = e.label.length > 32 ? `…${e.label.slice(-31)}` : e.label;
    return [
      `<line x1="${x}" x2="${x + 18}" y1="${y - 4}" y2="${y - 4}" stroke="${e.color}" stroke-width="2"${e.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
      `<text x="${x + 24}" y="${y}">${esc(label)}</text>`,
    ];
  });
}

function svg(body: string[]): string {
  const { width: W, height: H } = FIGURE;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11" fill="#222222">\n${body.join('\n')}\n</svg>\n`;
}

/** The Pareto view of tasks `x` and `y`, or undefined when fewer than one method group has both metrics. */
export function paretoFigure(groups: readonly RunGroup[], x: Task, y: Task): string | undefined {
  const methods = groups.filter((g) => !g.baselineOf && g.metrics[x.name] && g.metrics[y.name]);
  if (methods.length === 0) return undefined;
  const hx = headlineMetric(x.type);
  const hy = headlineMetric(y.type);
  const baseline = (t: Task) => groups.find((g) => g.baselineOf === t.name)?.metrics[t.name]?.mean;
  const bx = baseline(x);
  const by = baseline(y);
  const range = (mean: number, std: number | undefined) => [mean - (std ?? 0), mean + (std ?? 0)];
  const xs = linearScale(methods.flatMap((g) => range(g.metrics[x.name].mean, g.metrics[x.name].std)).concat(bx ?? []), M.left, FIGURE.width - M.right);
  const ys = linearScale(methods.flatMap((g) => range(g.metrics[y.name].mean, g.metrics[y.name].std)).concat(by ?? []), FIGURE.height - M.bottom, M.top);
  const front = new Set(paretoFront(methods.map((g) => ({ id: g.key, values: [g.metrics[x.name].mean, g.metrics[y.name].mean] })), [hx.higherIsBetter, hy.higherIsBetter]));
  const dir = (better: boolean) => (better ? '↑' : '↓');
  const body = frame(`Pareto view: ${x.name} ${hx.metric} against ${y.name} ${hy.metric}`, `${x.name} ${hx.metric} ${dir(hx.higherIsBetter)}`, `${y.name} ${hy.metric} ${dir(hy.higherIsBetter)}`, xs, ys);
  if (bx !== undefined) body.push(`<line class="baseline" x1="${xs.at(bx).toFixed(1)}" x2="${xs.at(bx).toFixed(1)}" y1="${M.top}" y2="${FIGURE.height - M.bottom}" stroke="#555555" stroke-dasharray="5 4"/>`);
  if (by !== undefined) body.push(`<line class="baseline" x1="${M.left}" x2="${FIGURE.width - M.right}" y1="${ys.at(by).toFixed(1)}" y2="${ys.at(by).toFixed(1)}" stroke="#555555" stroke-dasharray="5 4"/>`);
  const onFront = methods.filter((g) => front.has(g.key)).sort((a, b) => a.metrics[x.name].mean - b.metrics[x.name].mean);
  if (onFront.length > 1) body.push(`<polyline class="front" points="${onFront.map((g) => `${xs.at(g.metrics[x.name].mean).toFixed(1)},${ys.at(g.metrics[y.name].mean).toFixed(1)}`).join(' ')}" fill="none" stroke="#222222" stroke-width="1.5"/>`);
  methods.forEach((g, i) => {
    const color = PALETTE[i % PALETTE.length];
    const mx = g.metrics[x.name];
    const my = g.metrics[y.name];
    const cx = xs.at(mx.mean);
    const cy = ys.at(my.mean);
    const [x0, x1] = range(mx.mean, mx.std).map(xs.at);
    const [y0, y1] = range(my.mean, my.std).map(ys.at);
    body.push(
      `<g class="point" data-group="${esc(g.key)}" data-x="${mx.mean}" data-y="${my.mean}" data-front="${front.has(g.key)}">`,
      `<line x1="${x0.toFixed(1)}" x2="${x1.toFixed(1)}" y1="${cy.toFixed(1)}" y2="${cy.toFixed(1)}" stroke="${color}" stroke-width="1.5"/>`,
      `<line x1="${cx.toFixed(1)}" x2="${cx.toFixed(1)}" y1="${y0.toFixed(1)}" y2="${y1.toFixed(1)}" stroke="${color}" stroke-width="1.5"/>`,
      `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="${front.has(g.key) ? 6 : 5}" fill="${front.has(g.key) ? color : '#ffffff'}" stroke="${color}" stroke-width="2"/>`,
      '</g>',
    );
  });
  body.push(...legend([...methods.map((g, i) => ({ label: `${g.label} (${g.metrics[x.name].n})`, color: PALETTE[i % PALETTE.length] })), ...(bx !== undefined || by !== undefined ? [{ label: 'single-task baselines', color: '#555555', dashed: true }] : [])]));
  return svg(body);
}

/**
 * The train loss of `task` per group (and of the task's single-task baseline): the mean over its seeds with a ± std band.
 * `lossOf` gives a run's logged train losses of the task.
 */
export function lossFigure<R extends HasInfo>(groups: readonly RunGroup<R>[], task: Task, lossOf: (run: ComparedRun<R>) => Points | undefined): string | undefined {
  const series = groups
    .filter((g) => !g.baselineOf || g.baselineOf === task.name)
    .map((g) => ({ group: g, members: g.runs.map(lossOf).filter((p): p is Points => p !== undefined && p.steps.length > 0) }))
    .filter((s) => s.members.length > 0)
    .map((s) => ({ ...s, stats: groupStats(s.members, 'std') }));
  if (series.length === 0) return undefined;
  const steps = series.flatMap((s) => [s.stats.points.steps[0], s.stats.points.steps[s.stats.points.steps.length - 1]]);
  const values = series.flatMap((s) => [...s.stats.lo, ...s.stats.hi]).filter(Number.isFinite);
  const xs = linearScale(steps, M.left, FIGURE.width - M.right);
  const ys = linearScale(values, FIGURE.height - M.bottom, M.top);
  const body = frame(`Train loss of ${task.name}, mean ± std over seeds`, 'step', `${task.name} train loss`, xs, ys);
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const { steps: st, values: mean } = s.stats.points;
    const upper = st.map((x, k) => `${xs.at(x).toFixed(1)},${ys.at(s.stats.hi[k]).toFixed(1)}`);
    const lower = st.map((x, k) => `${xs.at(x).toFixed(1)},${ys.at(s.stats.lo[k]).toFixed(1)}`).reverse();
    body.push(
      `<g class="series" data-group="${esc(s.group.key)}" data-seeds="${s.members.length}">`,
      `<polygon points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.18" stroke="none"/>`,
      `<polyline points="${st.map((x, k) => `${xs.at(x).toFixed(1)},${ys.at(mean[k]).toFixed(1)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="1.5"${s.group.baselineOf ? ' stroke-dasharray="5 4"' : ''}/>`,
      '</g>',
    );
  });
  body.push(...legend(series.map((s, i) => ({ label: `${s.group.baselineOf ? `baseline: ${s.group.baselineOf}` : s.group.label} (${s.members.length})`, color: PALETTE[i % PALETTE.length], dashed: Boolean(s.group.baselineOf) }))));
  return svg(body);
}
