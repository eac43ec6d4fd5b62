/** Validation metrics, computed on the host from the model's outputs (exact, and no extra tensor ops). */
import type { ResolvedTask, TaskLabels } from '../data/dataset';
import type { TaskMetrics } from '../run/records';

export class TaskMetricAccumulator {
  private lossSum = 0;
  private absSum = 0;
  private correct = 0;
  private count = 0;

  constructor(private readonly task: ResolvedTask) {}

  /** `outputs` is `rows × task.outputs` for the samples `offset … offset+rows−1` of the split. */
  add(outputs: Float32Array, labels: TaskLabels, offset: number, rows: number): void {
    const width = this.task.outputs;
    for (let r = 0; r < rows; r++) {
      const i = offset + r;
      if (!labels.mask[i]) continue;
      this.count++;
      if (this.task.type === 'classification') {
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
    return { loss, rmse: Math.sqrt(loss), mae: this.absSum / this.count };
  }
}

/** Mean of the per-task validation losses: what early stopping and "best step" look at. */
export function meanLoss(metrics: Record<string, TaskMetrics>): number {
  const values = Object.values(metrics).map((m) => m.loss);
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}
