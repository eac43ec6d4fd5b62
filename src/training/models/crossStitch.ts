/**
 * Cross-stitch networks (Misra et al. 2016): one tower per task (layers `sharedUnits`); after every
 * hidden layer a learned K×K matrix α mixes the towers' activations, task k continuing with
 * Σ_j α_kj z_j. α starts near separate towers — α_kk = 0.9, α_kj = 0.1/(K−1) (0.9 / 0.1 for two tasks,
 * rows summing to 1) — and is trained by the same optimiser, without weight decay. Each α is reported as the
 * named matrix `cross-stitch/<l>` (task × task, l = the layer it follows, from 0).
 *
 * Shared: every tower layer (through the stitch after it, each feeds every task) and every stitch but
 * the last (its row k feeds tower k's next layer, which the next stitch mixes into every task). The
 * last stitch is task-specific: its row k forms task k's head input alone, so under the gradient
 * methods row k moves by task k's own gradient. GradNorm's last shared layer: every tower's last kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NoOptions } from '../config/method';
import { DenseLayer, dropout, type Activation, type Parameter } from './dense';
import { TaskHead, dropoutSeed, sharingOfLayers, type ForwardOptions, type ForwardResult, type ArchitectureMethod, type ModelContext, type MultiTaskModel, type ReportedMatrix } from './model';
import type { MatrixInfo } from '../run/matrices';

export const crossStitch: ArchitectureMethod<'cross-stitch', NoOptions> = {
  id: 'cross-stitch',
  label: 'Cross-stitch',
  description: 'One tower per task, mixed after every layer by a learned K×K matrix',
  paper: { authors: 'Misra et al.', year: 2016, title: 'Cross-stitch Networks for Multi-task Learning', url: 'https://arxiv.org/abs/1604.03539' },
  options: {},
  newExperiment: { note: ['One tower per task (each with the layers sharedUnits); after every layer a learned matrix', 'mixes the towers, starting near separate towers (0.9 own, 0.1 the others).'] },
  tests: [
    { file: 'test/unit/crossStitch.test.ts', test: 'starts near separate towers: 0.9 on the own tower, the rest spread, rows summing to 1' },
    { file: 'test/unit/crossStitch.test.ts', test: 'forward: after each layer task k continues with Σ_j α_kj z_j (checked against the towers’ own layers)' },
    { file: 'test/unit/crossStitch.test.ts', test: 'with α = I the towers are separate: changing one task’s tower leaves the other task’s output alone' },
  ],
  sharing: sharingOfLayers,
  create: (context) => new CrossStitchModel(context),
};

/** The initial cross-stitch matrix: mostly each task's own tower. */
export function initialStitch(K: number, same = 0.9): number[][] {
  // Rounded so two tasks get exactly 0.1 (1 − 0.9 is 0.09999999999999998 in floating point).
  const other = Number(((1 - same) / Math.max(1, K - 1)).toPrecision(12));
  return Array.from({ length: K }, (_, k) => Array.from({ length: K }, (_, j) => (k === j ? (K === 1 ? 1 : same) : other)));
}

/** The description of the mixing matrix after shared layer `layer`. */
export function stitchMatrixInfo(tasks: readonly string[], layer: number): MatrixInfo {
  return {
    title: `Cross-stitch α, layer ${layer}`,
    description: `how much each task takes from each task's tower after shared layer ${layer}`,
    rowAxis: 'task',
    columnAxis: 'task',
    rows: [...tasks],
    columns: [...tasks],
    unit: 'α',
    // Learned without constraint: it may leave [0, 1].
    signed: true,
  };
}

export class CrossStitchModel implements MultiTaskModel {
  readonly architecture = 'cross-stitch' as const;
  /** towers[k][l]: task k's layer l. */
  private readonly towers: DenseLayer[][];
  /** stitches[l]: the K×K mixing matrix after layer l. */
  readonly stitches: tf.Variable[];
  private readonly heads: TaskHead[];
  private readonly stitchInfos: MatrixInfo[];

  constructor(private readonly context: ModelContext) {
    const { config, inputDim, tasks, rng } = context;
    const K = tasks.length;
    this.towers = tasks.map((t) => {
      let fanIn = inputDim;
      return config.sharedUnits.map((units, l) => {
        const layer = new DenseLayer(`tower/${t.name}/dense${l}`, fanIn, units, config.activation as Activation, rng, l > 0);
        fanIn = units;
        return layer;
      });
    });
    this.stitches = config.sharedUnits.map(() => tf.variable(tf.tensor2d(initialStitch(K)), true));
    const hidden = config.sharedUnits.length > 0 ? config.sharedUnits[config.sharedUnits.length - 1] : inputDim;
    this.heads = tasks.map((task) => new TaskHead(task, hidden, config, rng));
    this.stitchInfos = config.sharedUnits.map((_, l) => stitchMatrixInfo(tasks.map((t) => t.name), l));
  }

  forward(x: tf.Tensor2D, options: ForwardOptions): ForwardResult {
    const K = this.towers.length;
    let hs: tf.Tensor2D[] = this.towers.map(() => x);
    this.stitches.forEach((alpha, l) => {
      const zs = this.towers.map((tower, k) => {
        const seed = dropoutSeed(options, 100 + k);
        const z = tower[l].apply(hs[k]);
        return seed === undefined ? z : dropout(z, this.context.config.dropout, seed + l * 7919);
      });
      if (K === 1) {
        hs = zs;
        return;
      }
      const [batch, units] = zs[0].shape;
      // [K, B·U] rows, mixed by one untransposed matrix product: row k = Σ_j α_kj z_j.
      const mixed = tf.matMul(alpha as tf.Tensor2D, tf.reshape(tf.stack(zs, 0), [K, batch * units]));
      hs = (tf.unstack(tf.reshape(mixed, [K, batch, units]), 0) as tf.Tensor2D[]);
    });
    const matrices: Record<string, ReportedMatrix> = {};
    this.stitches.forEach((alpha, l) => (matrices[`cross-stitch/${l}`] = { info: this.stitchInfos[l], values: tf.clone(alpha) as tf.Tensor2D }));
    return { outputs: this.heads.map((head, k) => head.apply(hs[k], options, k + 1)), matrices };
  }

  parameters(): Parameter[] {
    return [...this.towerParameters(), ...this.stitchParameters(), ...this.heads.flatMap((h) => h.parameters())];
  }

  sharedParameters(): Parameter[] {
    return [...this.towerParameters(), ...this.stitchParameters().slice(0, -1)];
  }

  private towerParameters(): Parameter[] {
    return this.towers.flatMap((tower) => tower.flatMap((layer) => layer.parameters()));
  }

  private stitchParameters(): Parameter[] {
    return this.stitches.map((variable, l) => ({ name: `stitch${l}`, variable, decay: false }));
  }

  lastSharedParameters(): Parameter[] {
    // Every tower's last kernel: the last stitch mixes them into every task's input.
    return this.towers.flatMap((tower) => (tower.length > 0 ? [tower[tower.length - 1].parameters()[0]] : []));
  }
}
