/** Validation metrics, computed on the host from the model's outputs (exact, and no extra tensor ops). */
import type { ResolvedTask, TaskLabels } from '../data/dataset';
import type { TaskMetrics } from '../run/records';

/**
 * F1 of multilabel predictions (label c predicted where its logit is > 0, i.e. σ(z) > 0.5), from per-label
 * counts of true positives, false positives and false negatives:
 * - micro-F1 = 2·ΣTP / (2·ΣTP + ΣFP + ΣFN), over all labels' decisions together (0 when that is 0/0: no
 *   positive label and none predicted);
 * - macro-F1 = the mean of F1_c = 2·TP_c / (2·TP_c + FP_c + FN_c) over the labels with TP_c + FP_c + FN_c > 0;
 *   a label that is never present and never predicted has no F1 and is left out (scikit-learn's
 *   `f1_score(average="macro", zero_division=np.nan)`), so an absent label neither rewards nor penalises.
 */
export function f1Scores(tp: ArrayLike<number>, fp: ArrayLike<number>, fn: ArrayLike<number>): { microF1: number; macroF1: number } {
  let [stp, sfp, sfn, sum, scored] = [0, 0, 0, 0, 0];
  for (let c = 0; c < tp.length; c++) {
    stp += tp[c];
    sfp += fp[c];
    sfn += fn[c];
    const denominator = 2 * tp[c] + fp[c] + fn[c];
    if (denominator > 0) {
      sum += (2 * tp[c]) / denominator;
      scored++;
    }
  }
  const micro = 2 * stp + sfp + sfn;
  return { microF1: micro > 0 ? (2 * stp) / micro : 0, macroF1: scored > 0 ? sum / scored : 0 };
}

export class TaskMetricAccumulator {
  private lossSum = 0;
  private absSum = 0;
  private correct = 0;
  private count = 0;
  /** Multilabel: per-label true positives, false positives, false negatives. */
  private readonly tp: Float64Array;
  private readonly fp: Float64Array;
  private readonly fn: Float64Array;

  constructor(private readonly task: ResolvedTask) {
    const labels = task.type === 'multilabel' ? task.outputs : 0;
    [this.tp, this.fp, this.fn] = [new Float64Array(labels), new Float64Array(labels), new Float64Array(labels)];
  }

  /** One labelled multilabel row: its sigmoid cross-entropy (mean over labels) and its decisions. */
  private addMultilabel(outputs: Float32Array, base: number, sets: Uint8Array, setBase: number): void {
    const width = this.task.outputs;
    let loss = 0;
    for (let c = 0; c < width; c++) {
      const z = outputs[base + c];
      const t = sets[setBase + c];
      loss += Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
      const predicted = z > 0;
      if (predicted && t) this.tp[c]++;
      else if (predicted) this.fp[c]++;
      else if (t) this.fn[c]++;
    }
    this.lossSum += loss / width;
  }

  /** `outputs` is `rows × task.outputs` for the samples `offset … offset+rows−1` of the split. */
  add(outputs: Float32Array, labels: TaskLabels, offset: number, rows: number): void {
    const width = this.task.outputs;
    for (let r = 0; r < rows; r++) {
      const i = offset + r;
      if (!labels.mask[i]) continue;
      this.count++;
      if (this.task.type === 'multilabel') {
        this.addMultilabel(outputs, r * width, labels.sets!, i * width);
      } else if (this.task.type === 'classification') {
        const base = r * width;
        let max = -Infinity;
        let arg = 0;
        for (let c = 0; c < width; c++) {
          if (outputs[base + c] > max) {
            max = outputs[base + c];
            arg = c;
          }
        }
        let sumExp = 0;
        for (let c = 0; c < width; c++) sumExp += Math.exp(outputs[base + c] - max);
        const target = labels.values[i];
        this.lossSum += Math.log(sumExp) + max - outputs[base + target];
        if (arg === target) this.correct++;
      } else {
        const d = outputs[r] - labels.values[i];
        this.lossSum += d * d;
        this.absSum += Math.abs(d);
      }
    }
  }

  result(): TaskMetrics | undefined {
    if (this.count === 0) return undefined;
    const loss = this.lossSum / this.count;
    if (this.task.type === 'classification') return { loss, accuracy: this.correct / this.count };
    if (this.task.type === 'multilabel') return { loss, ...f1Scores(this.tp, this.fp, this.fn) };
    return { loss, rmse: Math.sqrt(loss), mae: this.absSum / this.count };
  }
}

/** Mean of the per-task validation losses: what early stopping and "best step" look at. */
export function meanLoss(metrics: Record<string, TaskMetrics>): number {
  const values = Object.values(metrics).map((m) => m.loss);
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}
