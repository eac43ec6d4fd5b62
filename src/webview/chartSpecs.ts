/**
 * Which charts the dashboard shows and what each one draws, from the held data alone (no DOM; unit-tested):
 * a chart per task loss (train solid, validation dashed) and the total loss, the task weights (a stacked
 * chart per run, or past MAX_WEIGHT_CHARTS runs one chart and a run picker), the cells of every named matrix
 * over the steps (beside its heatmap), and a chart per validation metric.
 */
import type { MatrixAbout, RunView } from './protocol';
import { seriesId, type DashboardModel, type HeldMatrices } from './model';
import { runColor, seriesColor } from './colors';
import { chartedCells, matrixCellKey, parseSelfAttentionName } from '../training/run/matrices';
import { TASK_METRIC_TITLES, type TaskMetricName } from '../training/evaluation/deltaM';
import type { ChartSeries } from './chart/types';

export interface ChartSpec {
  id: string;
  /** The card the chart sits in. */
  card: string;
  title: string;
  stacked?: boolean;
  yLabel?: string;
  /** The line chart of a matrix card (drawn beside the heatmap): the matrix's name. */
  matrix?: string;
  /** The series of this chart given the visible runs. */
  series(runs: RunView[]): ChartSeries[];
}

/** Up to this many runs get one stacked weights chart each; more get a single chart with a run picker. */
export const MAX_WEIGHT_CHARTS = 6;

/**
 * The run shown where one run is shown at a time — the weights chart past MAX_WEIGHT_CHARTS runs, each
 * matrix card: the user's choice while that run has the data, else the first visible run that has it, else
 * the first run that has it.
 */
export class RunChoices {
  /** The run picked for the weights chart. */
  weights: string | undefined;
  /** The run picked per matrix card. */
  readonly matrices = new Map<string, string>();

  constructor(
    private readonly model: DashboardModel,
    private readonly hiddenRuns: () => readonly string[],
  ) {}

  weightsRun(): string | undefined {
    const { model } = this;
    const has = (id: string) => model.runKeys(id, 'weight/').length > 0;
    if (this.weights && model.runs.has(this.weights) && has(this.weights)) return this.weights;
    return [...model.runs.keys()].find((id) => has(id) && !this.hiddenRuns().includes(id)) ?? [...model.runs.keys()].find(has);
  }

  matrixRun(name: string): string | undefined {
    const { model } = this;
    const chosen = this.matrices.get(name);
    if (chosen && model.matrices.get(chosen)?.has(name)) return chosen;
    for (const r of model.runs.values()) if (model.matrices.get(r.id)?.has(name) && !this.hiddenRuns().includes(r.id)) return r.id;
    for (const r of model.runs.values()) if (model.matrices.get(r.id)?.has(name)) return r.id;
    return undefined;
  }

  /** What the run shown in a matrix card holds of that matrix. */
  heldMatrix(name: string): HeldMatrices | undefined {
    const runId = this.matrixRun(name);
    return runId ? this.model.matrices.get(runId)?.get(name) : undefined;
  }
}

/** A run as charts and lists name it: its name alone, or with its id when several runs are shown. */
export function runLabel(model: DashboardModel, r: RunView): string {
  return model.runs.size > 1 ? `${r.name} · ${r.id}` : r.name;
}

/** A column as the heatmap and the lines name it: "tower 0" for a task × tower matrix, the task itself for task × task. */
export function columnTitle(about: MatrixAbout, label: string): string {
  return about.columnAxis === about.rowAxis ? label : `${about.columnAxis} ${label}`;
}

const taskOf = (key: string) => key.split('/')[1];

function perRunSpec(model: DashboardModel, id: string, cardId: string, title: string, keys: { key: string; suffix: string; dashed?: boolean }[], yLabel?: string): ChartSpec {
  return {
    id,
    card: cardId,
    title,
    yLabel,
    series: (runs) => {
      const out: ChartSeries[] = [];
      for (const r of runs) {
        for (const k of keys) {
          const points = model.points(r.id, k.key);
          if (points) out.push({ id: `${r.id}:${k.key}`, label: `${runLabel(model, r)}${k.suffix}`, runId: r.id, color: runColor(r.id, model.colors), points, dashed: k.dashed });
        }
      }
      return out;
    },
  };
}

/** The stacked task weights of one run, a layer per task. */
function weightLayers(model: DashboardModel, r: RunView, keys: string[]): ChartSeries[] {
  return keys.map((k, i) => ({ id: `${r.id}:${k}`, label: taskOf(k), runId: r.id, color: seriesColor(i), points: model.points(r.id, k)! }));
}

function weightSpecs(model: DashboardModel, choices: RunChoices): ChartSpec[] {
  const withWeights = [...model.runs.values()].filter((r) => model.runKeys(r.id, 'weight/').length > 0);
  if (withWeights.length > MAX_WEIGHT_CHARTS) {
    // A wall of stacked areas helps nobody (and costs a chart each): past a few runs, one chart and a run picker.
    return [
      {
        id: 'weights:selected',
        card: 'weights',
        title: 'Task weights of the chosen run',
        stacked: true,
        yLabel: 'weight',
        series: () => {
          const r = model.runs.get(choices.weightsRun() ?? '');
          return r ? weightLayers(model, r, model.runKeys(r.id, 'weight/')) : [];
        },
      },
    ];
  }
  return withWeights.map((r) => {
    const keys = model.runKeys(r.id, 'weight/');
    return {
      id: `weights:${r.id}`,
      card: 'weights',
      title: `Task weights — ${runLabel(model, r)}${r.weighting ? ` (${r.weighting})` : ''}`,
      stacked: true,
      yLabel: 'weight',
      series: (runs: RunView[]) => (runs.some((v) => v.id === r.id) ? weightLayers(model, r, keys) : []),
    };
  });
}

/** The cells of a named matrix over the steps, in the run its card shows; a symmetric one by pair above the diagonal. */
function matrixSpec(model: DashboardModel, choices: RunChoices, name: string): ChartSpec {
  const about = choices.heldMatrix(name)!.about;
  return {
    id: `${name}:lines`,
    card: name,
    matrix: name,
    title: `${about.title} over steps`,
    yLabel: about.unit,
    series: () => {
      const runId = choices.matrixRun(name);
      const held = choices.heldMatrix(name);
      if (!runId || !held) return [];
      const out: ChartSeries[] = [];
      for (const { row, column } of chartedCells({ rows: held.rowLabels, columns: held.columnLabels, symmetric: held.about.symmetric })) {
        const [r, c] = [held.rowLabels[row], held.columnLabels[column]];
        const key = matrixCellKey(name, r, c);
        const points = model.points(runId, key);
        const label = held.about.symmetric ? `${r} · ${c}` : `${r} → ${columnTitle(held.about, c)}`;
        if (points) out.push({ id: `${runId}:${key}`, label, runId, color: seriesColor(out.length), points });
      }
      return out;
    },
  };
}

/** Every chart of the dashboard, in page order within each card. */
export function chartSpecs(model: DashboardModel, choices: RunChoices): ChartSpec[] {
  const specs: ChartSpec[] = [];
  const lossTasks = [...new Set([...model.keys('loss/').map(taskOf), ...model.keys('val/').filter((k) => k.endsWith('/loss')).map(taskOf)])];
  for (const t of lossTasks) specs.push(perRunSpec(model, `loss:${t}`, 'losses', `Loss — ${t}`, [{ key: `loss/${t}`, suffix: ' train' }, { key: `val/${t}/loss`, suffix: ' validation', dashed: true }], 'loss'));
  if (model.keys('total').length > 0) specs.push(perRunSpec(model, 'loss:total', 'losses', 'Total loss (weighted objective)', [{ key: 'total', suffix: '' }], 'loss'));
  specs.push(...weightSpecs(model, choices));
  // Self-attention (token × token, heatmap only) has its own card and no lines.
  for (const name of model.matrixNames()) if (!parseSelfAttentionName(name)) specs.push(matrixSpec(model, choices, name));
  for (const k of model.keys('val/').filter((key) => !key.endsWith('/loss'))) {
    const [, task, metric] = k.split('/');
    specs.push(perRunSpec(model, `val:${task}/${metric}`, 'validation', `Validation ${TASK_METRIC_TITLES[metric as TaskMetricName] ?? metric} — ${task}`, [{ key: k, suffix: '' }], metric));
  }
  return specs;
}

/** Whether a chart draws any of the changed series ("runId\u0000key", see Changes). */
export function specDependsOn(spec: ChartSpec, runs: RunView[], changed: ReadonlySet<string>): boolean {
  for (const s of spec.series(runs)) if (changed.has(seriesId(s.runId, s.id.slice(s.runId.length + 1)))) return true;
  return false;
}
