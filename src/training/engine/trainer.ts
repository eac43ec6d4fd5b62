/**
 * The training loop: model, weighting and optimiser from a resolved config and a dataset, stepping
 * through deterministic batch orders, emitting train / eval / event records, and able to stop at a
 * step boundary, checkpoint, and resume so that the records after resuming equal those of an
 * uninterrupted run (everything random is derived from the seed and the step or epoch).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ExperimentConfig } from '../config/schema';
import type { Dataset, Split } from '../data/dataset';
import type { Parameter } from '../models/dense';
import type { MultiTaskModel, ReportedMatrix } from '../models/model';
import { createModel } from '../models/registry';
import { deriveSeed, rngFor } from '../random/rng';
import type { EvalRecord, EventCode, EventRecord, MetricRecord, TaskMetrics, TrainRecord } from '../run/records';
import { eventRecord } from '../run/events';
import { cosineFromGram } from '../gradients/gramian';
import { AFFINITY_MATRICES, affinityApproxMatrixInfo, affinityMatrixInfo, affinityMeanMatrixInfo, conflictMatrixInfo } from '../run/matrices';
import { addSample, measureAffinity, meanOf, type AffinitySample, type AffinityTotals } from './affinity';
import { createWeighting } from '../weighting/registry';
import type { StepInfo, WeightingStrategy } from '../weighting/strategy';
import { disposeBatch, makeBatch, taskLoss, taskLosses, type Batch } from './losses';
import { TaskMetricAccumulator, meanLoss } from './metrics';
import { isFiniteMatrix, nonFiniteError, describeNonFinite, type NonFiniteValue } from './nonFinite';
import { createOptimizer, type Optimizer } from './optimizers';

/** The order in which training rows are visited: deterministic per epoch (see data/sampler.ts). */
export interface BatchOrder {
  readonly stepsPerEpoch: number;
  batchesForEpoch(epoch: number): Int32Array[];
}

export interface TrainerHooks {
  /** Every record, in order. */
  onRecord(record: MetricRecord): void;
  /** Polled before every step: true ends the run at this step boundary. */
  shouldStop(): boolean;
  /** Called between steps at most every ~20 ms, so IPC messages and signals get handled. */
  yieldToEventLoop?(): Promise<void>;
}

/** What one training step produced (losses as numbers; the model's named matrices only when captured). */
export interface StepResult {
  lossValues: number[];
  total: number;
  matrices?: Record<string, ReportedMatrix>;
  /** Gradient methods: the Gramian of the per-task shared gradients this step used. */
  gram?: number[][];
  /** Set when a loss or a gradient was not finite: then nothing was updated. */
  nonFinite?: NonFiniteValue;
}

export type TrainOutcome = 'completed' | 'stopped' | 'early-stopped';

/** Position and bookkeeping saved in checkpoints. */
export interface TrainerPosition {
  step: number;
  epoch: number;
  /** Index of the next batch to take within `epoch`. */
  batchInEpoch: number;
  bestValidationLoss: number | null;
  bestStep: number | null;
  evalsWithoutImprovement: number;
  lastEvalStep: number;
  lastMetrics: Record<string, TaskMetrics> | null;
  /** Seconds spent training so far (across resumes), for steps/s. */
  trainSeconds: number;
  /**
   * Named matrices whose description the records already hold (written once, with the first record that
   * holds each). Absent in 0.1 checkpoints, whose records describe none.
   */
  describedMatrices?: string[];
  /** The sum and count of the affinity samples so far (their mean is recorded); absent before the first. */
  affinity?: AffinityTotals;
}

/**
 * Rows a validation forward pass takes at once. Text: a Transformer holds tokens × (d + heads·tokens + ff)
 * floats of activations a text, so 2048 texts of 48 tokens took ≈ 600 MB of WebAssembly heap on the Debian
 * example (BENCHMARKS.md, worker memory); 256 keep the evaluation's peak near a training step's.
 */
const EVAL_CHUNK = 2048;
const TEXT_EVAL_CHUNK = 256;

export class Trainer {
  readonly model: MultiTaskModel;
  readonly weighting: WeightingStrategy;
  readonly optimizer: Optimizer;
  readonly params: Parameter[];
  readonly totalSteps: number;
  position: TrainerPosition = {
    step: 0,
    epoch: 0,
    batchInEpoch: 0,
    bestValidationLoss: null,
    bestStep: null,
    evalsWithoutImprovement: 0,
    lastEvalStep: -1,
    lastMetrics: null,
    trainSeconds: 0,
    describedMatrices: [],
  };
  private readonly taskNames: string[];
  private readonly varList: tf.Variable[];

  constructor(
    readonly config: ExperimentConfig,
    readonly dataset: Dataset,
    readonly order: BatchOrder,
    /** `model.init`'s trunk values (a new run with a pretrained encoder; a resumed run reads its checkpoint instead). */
    pretrained?: ReadonlyMap<string, Float32Array>,
  ) {
    const rng = rngFor(config.seed, 'init');
    this.model = createModel({ config: config.model, inputDim: dataset.inputDim, vocabSize: dataset.vocabSize, samples: dataset.samples, tasks: dataset.tasks, rng, ...(pretrained ? { pretrained } : {}) });
    // The data set holds the trained tasks (`training.tasks`), in config order.
    const trained = new Set(dataset.tasks.map((t) => t.name));
    this.weighting = createWeighting({ loss: config.loss, tasks: config.tasks.filter((t) => trained.has(t.name)), seed: config.seed });
    this.params = [...this.model.parameters(), ...this.weighting.parameters()];
    this.optimizer = createOptimizer(this.params, config.optimizer);
    this.totalSteps = config.training.epochs * order.stepsPerEpoch;
    this.taskNames = dataset.tasks.map((t) => t.name);
    // Gradient methods replace the shared parameters' gradients with Σ β_k g_k from the per-task passes,
    // so the combined pass differentiates only the rest (no trunk gradient computed and thrown away).
    const shared = new Set(this.weighting.shareGradients ? this.model.sharedParameters().map((p) => p.variable) : []);
    this.varList = this.params.map((p) => p.variable).filter((v) => !shared.has(v));
    if (this.weighting.balanceGradientNorms && this.model.lastSharedParameters().length === 0) {
      throw new Error(`loss.weighting "${config.loss.weighting}" needs a shared layer to measure gradient norms on, and model.sharedUnits is empty`);
    }
  }

  private byTask<T>(values: readonly T[]): Record<string, T> {
    const out: Record<string, T> = {};
    this.taskNames.forEach((name, k) => (out[name] = values[k]));
    return out;
  }

  private event(step: number, level: EventRecord['level'], code: EventCode, message: string, data?: unknown): EventRecord {
    return eventRecord(step, level, code, message, data);
  }

  /** Runs from the current position to the end (or a stop / early stop). */
  async run(hooks: TrainerHooks): Promise<TrainOutcome> {
    const { training } = this.config;
    let lastYield = performance.now();
    let windowStart = performance.now();
    let windowSamples = 0;
    let stepStart = performance.now();

    for (; this.position.epoch < training.epochs; this.position.epoch++, this.position.batchInEpoch = 0) {
      const epoch = this.position.epoch;
      const split = this.dataset.trainForEpoch(epoch);
      const batches = this.order.batchesForEpoch(epoch);
      for (; this.position.batchInEpoch < batches.length; this.position.batchInEpoch++) {
        if (hooks.yieldToEventLoop && performance.now() - lastYield > 20) {
          await hooks.yieldToEventLoop();
          lastYield = performance.now();
          stepStart = performance.now();
        }
        if (hooks.shouldStop()) return 'stopped';
        const step = this.position.step + 1;
        const info: StepInfo = { step, epoch, stepInEpoch: this.position.batchInEpoch, stepsPerEpoch: batches.length };
        const isLast = step === this.totalSteps;
        const logThis = step % training.logEvery === 0 || isLast;
        const batch = makeBatch(split, this.dataset.inputDim, this.dataset.tasks, batches[this.position.batchInEpoch]);

        const dropoutSeed = deriveSeed(this.config.seed, 'dropout', step);
        // Conflict is measured on the weights before this step's update, on the same batch and masks.
        let conflict: number[][] | undefined;
        const conflictDue = training.conflictEvery > 0 && step % training.conflictEvery === 0;
        // Affinity, like conflict, on the weights before this step's update; its per-task gradients give the cosines too.
        const affinityEvery = training.affinityEvery ?? 0;
        let affinity: Extract<AffinitySample, { exact: number[][] }> | undefined;
        if (affinityEvery > 0 && step % affinityEvery === 0) {
          const sample = this.measureAffinity(batch, dropoutSeed);
          if ('skipped' in sample) hooks.onRecord(this.event(step, 'warning', 'affinity-skipped', `affinity sample at step ${step} skipped: ${sample.skipped} (training goes on)`));
          else {
            affinity = sample;
            this.position.affinity = addSample(this.position.affinity, sample.exact);
            if (conflictDue && !this.weighting.shareGradients) conflict = cosineFromGram(sample.gram);
          }
        }
        // Gradient methods compute the per-task gradients anyway: their Gramian gives the cosines for free.
        if (conflictDue && !conflict && !this.weighting.shareGradients) conflict = this.gradientConflict(batch, dropoutSeed);
        const result = this.trainStep(batch, info, dropoutSeed, logThis);
        if (conflictDue && result.gram) conflict = cosineFromGram(result.gram);
        disposeBatch(batch);
        const { lossValues, nonFinite } = result;

        if (nonFinite) {
          disposeMatrices(result.matrices);
          if (training.onNonFinite === 'fail') throw nonFiniteError(step, nonFinite);
          const data = { ...nonFinite, value: String(nonFinite.value) };
          hooks.onRecord(this.event(step, 'warning', 'batch-skipped', `${describeNonFinite(nonFinite, step)}; batch skipped (training.onNonFinite = "skip-batch")`, data));
          this.position.step = step;
          continue;
        }

        for (const e of this.weighting.afterStep?.(lossValues, info) ?? []) hooks.onRecord(this.event(step, e.level, e.code, e.message, e.data));
        this.position.step = step;
        const now = performance.now();
        this.position.trainSeconds += (now - stepStart) / 1000;
        stepStart = now;
        windowSamples += batch.size;

        if (logThis) {
          const elapsed = (now - windowStart) / 1000;
          hooks.onRecord(this.trainRecord(step, epoch, result, elapsed > 0 ? Math.round(windowSamples / elapsed) : 0, conflict, affinity));
          windowStart = now;
          windowSamples = 0;
        }

        const endOfEpoch = this.position.batchInEpoch === batches.length - 1;
        if ((step % training.evalEvery === 0 || endOfEpoch) && this.dataset.validation.size > 0) {
          const stop = this.evaluateAndRecord(step, epoch, hooks);
          stepStart = performance.now();
          if (stop) {
            this.position.batchInEpoch++;
            return 'early-stopped';
          }
        }
      }
    }
    return 'completed';
  }

  /**
   * One optimisation step on a batch: forward, backward and (when every loss and gradient is finite)
   * the update. The hot path of `run()`, public so benchmarks time exactly what training does. `capture`
   * keeps the model's named matrices for the train record (the caller disposes them).
   *
   * A non-finite value changes nothing — no parameter, optimiser slot or weighting state — and is
   * reported in `nonFinite`. Gradients are checked where they are already reduced to numbers: the
   * per-task Gramian (gradient methods), the per-task norms (GradNorm), and the optimiser's global norm.
   */
  trainStep(batch: Batch, info: StepInfo, dropoutSeed: number, capture: boolean): StepResult {
    this.weighting.beforeStep?.(info);
    let lossesT: tf.Tensor1D | undefined;
    let matrices: Record<string, ReportedMatrix> | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const fwd = this.model.forward(batch.x, { training: true, dropoutSeed });
      const losses = taskLosses(this.dataset.tasks, fwd.outputs, batch);
      lossesT = tf.keep(losses);
      if (capture && fwd.matrices) {
        matrices = {};
        for (const [name, m] of Object.entries(fwd.matrices)) matrices[name] = { info: m.info, values: tf.keep(m.values) };
      }
      return this.weighting.combine(losses, info);
    }, this.varList);
    const lossValues = Array.from(lossesT!.dataSync());
    const total = value.dataSync()[0];
    let nonFinite = this.nonFiniteLoss(lossValues, total);
    let gram: number[][] | undefined;
    if (!nonFinite && this.weighting.shareGradients) {
      gram = this.combineSharedGradients(batch, info, dropoutSeed, grads);
      if (!isFiniteMatrix(gram)) nonFinite = this.locateNonFiniteGradient(batch, dropoutSeed, grads, NaN);
    }
    let norms: number[] | undefined;
    if (!nonFinite && this.weighting.balanceGradientNorms) {
      norms = this.lastSharedGradientNorms(batch, dropoutSeed);
      if (!norms.every(Number.isFinite)) nonFinite = this.locateNonFiniteGradient(batch, dropoutSeed, grads, NaN);
    }
    if (!nonFinite) {
      const norm = this.optimizer.apply(grads);
      if (!Number.isFinite(norm)) nonFinite = this.locateNonFiniteGradient(batch, dropoutSeed, grads, norm);
      else {
        // GradNorm's weights are for the next step: updated only once this step is known to be applied.
        if (norms) this.weighting.balanceGradientNorms!(norms, lossValues, info, batch.tasks.map((t) => t.count > 0));
        // FAMO: this batch's losses once more, after the update.
        this.weighting.afterUpdate?.(lossValues, this.taskLossValues(batch, dropoutSeed), info);
      }
    }
    tf.dispose([value, lossesT!, ...Object.values(grads)]);
    return { lossValues, total, matrices, gram, nonFinite };
  }

  private nonFiniteLoss(lossValues: number[], total: number): NonFiniteValue | undefined {
    const k = lossValues.findIndex((v) => !Number.isFinite(v));
    if (k >= 0) return { quantity: 'loss', task: this.taskNames[k], value: lossValues[k] };
    return Number.isFinite(total) ? undefined : { quantity: 'loss', task: 'total', value: total };
  }

  /**
   * Where a non-finite gradient is (off the hot path: only once one was seen): the first task whose own
   * loss has one in some model parameter, on this batch with the same dropout masks; else the first
   * parameter of the combined gradient `grads` that holds one; else only the global norm overflowed.
   */
  private locateNonFiniteGradient(batch: Batch, dropoutSeed: number, grads: tf.NamedTensorMap, norm: number): NonFiniteValue {
    const firstBad = (values: tf.NamedTensorMap, params: Parameter[]): { parameter: string; value: number } | undefined => {
      for (const p of params) {
        const value = values[p.variable.name]?.dataSync().find((v) => !Number.isFinite(v));
        if (value !== undefined) return { parameter: p.name, value };
      }
      return undefined;
    };
    const modelParams = this.model.parameters();
    const perTask = this.perTaskGradients(batch, dropoutSeed, modelParams.map((p) => p.variable));
    const k = perTask.findIndex((g) => firstBad(g, modelParams) !== undefined);
    const found = k >= 0 ? { task: this.taskNames[k], ...firstBad(perTask[k], modelParams)! } : firstBad(grads, this.params);
    tf.dispose(perTask.flatMap((g) => Object.values(g)));
    return { quantity: 'gradient', ...(found ?? { value: norm }) };
  }

  /** The task losses on this batch with the current parameters and this step's dropout masks. */
  private taskLossValues(batch: Batch, dropoutSeed: number): number[] {
    return tf.tidy(() => Array.from(taskLosses(this.dataset.tasks, this.model.forward(batch.x, { training: true, dropoutSeed }).outputs, batch).dataSync()));
  }

  /**
   * Gradient methods: replaces the shared parameters' gradients in `grads` by Σ β_k g_k, with β from
   * the strategy on the Gramian of the per-task gradients. Returns the Gramian (for the conflict record).
   * A Gramian with a non-finite entry is returned untouched by the strategy (the step will not be applied).
   */
  private combineSharedGradients(batch: Batch, info: StepInfo, dropoutSeed: number, grads: tf.NamedTensorMap): number[][] {
    const { perTask, gram } = this.perTaskSharedGradients(batch, dropoutSeed);
    if (isFiniteMatrix(gram)) {
      const beta = this.weighting.shareGradients!(gram, info);
      for (const name of Object.keys(perTask[0])) {
        grads[name] = tf.tidy(() => tf.addN(perTask.map((g, k) => tf.mul(g[name], beta[k]))));
      }
    }
    tf.dispose(perTask.flatMap((g) => Object.values(g)));
    return gram;
  }

  /**
   * Each task's gradient of its own loss with respect to `variables`, on this batch with the same dropout
   * masks: K backward passes. A variable a task does not reach (another task's tower) gets a zero
   * gradient. The caller disposes the gradients.
   */
  private perTaskGradients(batch: Batch, dropoutSeed: number, variables: tf.Variable[]): tf.NamedTensorMap[] {
    return this.dataset.tasks.map((task, k) => {
      const { value, grads } = tf.variableGrads(() => taskLoss(task, this.model.forward(batch.x, { training: true, dropoutSeed }).outputs[k], batch.tasks[k]), variables);
      value.dispose();
      for (const v of variables) grads[v.name] ??= tf.zerosLike(v);
      return grads;
    });
  }

  /**
   * The per-task gradients of the shared parameters on this batch and their Gramian G_ij = g_i · g_j.
   * The caller disposes the gradients.
   */
  private perTaskSharedGradients(batch: Batch, dropoutSeed: number): { perTask: tf.NamedTensorMap[]; gram: number[][] } {
    const shared = this.model.sharedParameters().map((p) => p.variable);
    const perTask = this.perTaskGradients(batch, dropoutSeed, shared);
    const gram = tf.tidy(() => {
      const flat = tf.stack(perTask.map((g) => tf.concat(shared.map((v) => tf.reshape(g[v.name], [-1]))))) as tf.Tensor2D;
      return tf.matMul(flat, tf.transpose(flat)).arraySync() as number[][];
    });
    return { perTask, gram };
  }

  /**
   * ‖∇_W L_k‖ per task on this batch, W = the last shared layer (each backward pass stops at W: only the
   * heads lie between W and the losses), before this step's update.
   */
  private lastSharedGradientNorms(batch: Batch, dropoutSeed: number): number[] {
    const last = this.model.lastSharedParameters().map((p) => p.variable);
    return this.perTaskGradients(batch, dropoutSeed, last).map((grads) => {
      const norm = tf.tidy(() => Math.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))).dataSync()[0]));
      tf.dispose(Object.values(grads));
      return norm;
    });
  }

  /** The train record of a step (disposes the step's captured matrices). */
  private trainRecord(step: number, epoch: number, result: StepResult, samplesPerSecond: number, conflict: number[][] | undefined, affinity?: { exact: number[][]; approx: number[][] }): TrainRecord {
    const record: TrainRecord = {
      kind: 'train',
      step,
      epoch,
      time: Date.now(),
      losses: this.byTask(result.lossValues.map(round)),
      totalLoss: round(result.total),
      weights: this.byTask(this.weighting.weights().map(round)),
      samplesPerSecond,
    };
    const { logEvery, evalEvery } = this.config.training;
    const probed = tf.tidy(() => {
      const probes = { ...this.model.probe?.(), ...(atEvalCadence(step, logEvery, evalEvery) || step === this.totalSteps ? this.model.probeAtEvalCadence?.() : {}) };
      return Object.entries(probes).map(([name, m]) => ({ name, info: m.info, rows: m.values.arraySync() as number[][] }));
    });
    const matrices = [...Object.entries(result.matrices ?? {}).map(([name, m]) => ({ name, info: m.info, rows: m.values.arraySync() as number[][] })), ...probed];
    if (conflict) matrices.push({ name: 'conflict', info: conflictMatrixInfo(this.taskNames), rows: conflict });
    if (affinity && this.position.affinity) {
      matrices.push(
        { name: AFFINITY_MATRICES.sample, info: affinityMatrixInfo(this.taskNames), rows: affinity.exact },
        { name: AFFINITY_MATRICES.mean, info: affinityMeanMatrixInfo(this.taskNames), rows: meanOf(this.position.affinity) },
        { name: AFFINITY_MATRICES.approx, info: affinityApproxMatrixInfo(this.taskNames), rows: affinity.approx },
      );
    }
    const described = (this.position.describedMatrices ??= []);
    for (const { name, info, rows } of matrices) {
      (record.matrices ??= {})[name] = rows.map((r) => r.map(round));
      if (described.includes(name)) continue;
      (record.matrixInfo ??= {})[name] = info;
      described.push(name);
    }
    disposeMatrices(result.matrices);
    return record;
  }

  /** Evaluates, records, and applies early stopping. Returns true when training should stop. */
  private evaluateAndRecord(step: number, epoch: number, hooks: TrainerHooks): boolean {
    const metrics = this.evaluate(this.dataset.validation);
    const record: EvalRecord = { kind: 'eval', step, epoch, time: Date.now(), split: 'validation', metrics };
    hooks.onRecord(record);
    this.position.lastEvalStep = step;
    this.position.lastMetrics = metrics;
    const loss = meanLoss(metrics);
    const es = this.config.training.earlyStopping;
    const minDelta = es?.minDelta ?? 0;
    if (this.position.bestValidationLoss === null || loss < this.position.bestValidationLoss - minDelta) {
      this.position.bestValidationLoss = loss;
      this.position.bestStep = step;
      this.position.evalsWithoutImprovement = 0;
    } else {
      this.position.evalsWithoutImprovement++;
    }
    if (es && this.position.evalsWithoutImprovement >= es.patience) {
      hooks.onRecord(
        this.event(step, 'info', 'early-stopped', `validation loss has not improved for ${es.patience} evaluations; best ${this.position.bestValidationLoss!.toPrecision(4)} at step ${this.position.bestStep}`),
      );
      return true;
    }
    return false;
  }

  /** Per-task validation metrics (tasks without labels in the split are left out). */
  evaluate(split: Split): Record<string, TaskMetrics> {
    const tasks = this.dataset.tasks;
    const acc = tasks.map((t) => new TaskMetricAccumulator(t));
    const chunk = this.dataset.vocabSize !== undefined ? TEXT_EVAL_CHUNK : EVAL_CHUNK;
    for (let offset = 0; offset < split.size; offset += chunk) {
      const rows = Math.min(chunk, split.size - offset);
      const outputs = tf.tidy(() => {
        const x = tf.tensor2d(split.x.subarray(offset * this.dataset.inputDim, (offset + rows) * this.dataset.inputDim), [rows, this.dataset.inputDim]);
        return this.model.forward(x, { training: false }).outputs.map((o) => o.dataSync() as Float32Array);
      });
      tasks.forEach((t, k) => acc[k].add(outputs[k], split.labels[t.name], offset, rows));
    }
    const out: Record<string, TaskMetrics> = {};
    tasks.forEach((t, k) => {
      const r = acc[k].result();
      if (r) out[t.name] = roundMetrics(r);
    });
    return out;
  }

  /**
   * One inter-task affinity sample on this batch and dropout masks (engine/affinity.ts), with the Gramian of the
   * per-task gradients it used (for the conflict log at the same step).
   */
  measureAffinity(batch: Batch, dropoutSeed: number): AffinitySample & { gram: number[][] } {
    const { perTask, gram } = this.perTaskSharedGradients(batch, dropoutSeed);
    try {
      const shared = this.model.sharedParameters().map((p) => p.variable);
      const losses = () => this.taskLossValues(batch, dropoutSeed);
      return { ...measureAffinity({ shared, perTask, gram, losses, optimizer: this.optimizer, learningRate: this.config.optimizer.learningRate, taskNames: this.taskNames }), gram };
    } finally {
      tf.dispose(perTask.flatMap((g) => Object.values(g)));
    }
  }

  /**
   * Gradient conflict: the cosine matrix of the per-task gradients of the shared parameters,
   * C_ij = g_i·g_j / (‖g_i‖‖g_j‖), from K extra backward passes on the same batch and dropout masks.
   */
  gradientConflict(batch: Batch, dropoutSeed: number): number[][] {
    const { perTask, gram } = this.perTaskSharedGradients(batch, dropoutSeed);
    tf.dispose(perTask.flatMap((g) => Object.values(g)));
    return cosineFromGram(gram);
  }
}

function disposeMatrices(matrices: Record<string, ReportedMatrix> | undefined): void {
  if (matrices) tf.dispose(Object.values(matrices).map((m) => m.values));
}

/**
 * Whether the train record of `step` carries the large probed matrices: the first record, and the first record
 * at or after each multiple of `evalEvery` (a pure function of the step, so a resumed run writes the same);
 * the last step's record carries them too.
 */
export function atEvalCadence(step: number, logEvery: number, evalEvery: number): boolean {
  const previous = step - logEvery;
  return previous <= 0 || Math.floor(step / evalEvery) > Math.floor(previous / evalEvery);
}

/** Records carry 7 significant digits: float32 precision, and smaller files. */
export function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(7)) : v;
}

function roundMetrics(m: TaskMetrics): TaskMetrics {
  const out: TaskMetrics = { loss: round(m.loss) };
  if (m.accuracy !== undefined) out.accuracy = round(m.accuracy);
  if (m.rmse !== undefined) out.rmse = round(m.rmse);
  if (m.mae !== undefined) out.mae = round(m.mae);
  if (m.microF1 !== undefined) out.microF1 = round(m.microF1);
  if (m.macroF1 !== undefined) out.macroF1 = round(m.macroF1);
  return out;
}
