/**
 * The Transformer trunk against an independent implementation and against its own promises:
 * - one encoder block, pre-LN and post-LN, equals PyTorch's `nn.TransformerEncoderLayer(norm_first=True|False,
 *   activation="gelu")`
 *   (Debian's python3-torch, test/reference/encoder_block.py) with the same weights: output, dL/dx and every
 *   weight's gradient within 1e-4, padding mask included;
 * - padding appended to a sequence changes no output (hard mean / CLS pooling and task attention), and task
 *   attention puts no weight on padding;
 * - the embedding's own gradient (scatter, for wasm) equals tfjs's gather gradient;
 * - the fused LayerNorm kernels equal the composite of tfjs ops, forward and gradients (and PyTorch's, in the block).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import type { ResolvedTask } from '../../src/training/data/dataset';
import { createModel } from '../../src/training/models/registry';
import { hasFusedKernels } from '../../src/training/engine/fusedKernels';
import { LAYER_NORM } from '../../src/training/engine/transformerKernels';
import { SIMD_LAYER_NORM } from '../../src/training/engine/simd/simdKernels';
import { EncoderBlock, LayerNorm, embed, paddingBias } from '../../src/training/models/transformerLayers';
import { rngFor } from '../../src/training/random/rng';
import { assertClose, normals, transformerConfig } from '../helpers/engine';

const PYTHON = '/usr/bin/python3';
const REFERENCE = path.join(__dirname, '..', 'reference', 'encoder_block.py');

const transpose = (m: number[][]) => m[0].map((_, j) => m.map((row) => row[j]));
const rows = (t: tf.Tensor) => t.arraySync() as number[][];
const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`Transformer encoder on ${backend}`, () => {
    before(async () => {
      await selectBackend(backend);
    });

    const blockTests = [
      ['pre', "an encoder block equals PyTorch's TransformerEncoderLayer, forward and gradients"],
      ['post', "an encoder block equals PyTorch's TransformerEncoderLayer, forward and gradients (post-LN)"],
    ] as const;
    for (const [norm, name] of blockTests) it(name, () => {
      const [d, heads, ff, batch, tokens] = [8, 2, 12, 2, 5];
      const block = new EncoderBlock('b', d, heads, ff, rngFor(5, 'block'), norm);
      // Non-trivial norms and biases, so every parameter's mapping is exercised.
      const noise = normals(4 * d + 4 * d + ff + d, 9);
      let at = 0;
      const take = (n: number) => noise.slice(at, (at += n));
      for (const v of [block.norm1.beta, block.norm2.beta, block.attention.query.b, block.attention.value.b]) v.assign(tf.tensor1d(take(d)));
      for (const v of [block.norm1.gamma, block.norm2.gamma]) v.assign(tf.tensor1d(take(d).map((g) => 1 + 0.3 * g)));
      block.feedForward1.b.assign(tf.tensor1d(take(ff)));
      block.attention.output.b.assign(tf.tensor1d(take(d)));
      const xValues = normals(batch * tokens * d, 11);
      const rValues = normals(batch * tokens * d, 12);
      // Sample 0 has two padding tokens at its end, sample 1 none.
      const pad = [[false, false, false, true, true], [false, false, false, false, false]];
      const ids = tf.tensor2d(pad.flatMap((r) => r.map((p, t) => (p ? 0 : t + 1))), [batch, tokens]);

      const x = tf.variable(tf.tensor2d(xValues, [batch * tokens, d]));
      const params = block.parameters();
      const { grads } = tf.variableGrads(
        () => tf.sum(tf.mul(block.apply(x, paddingBias(ids), { batch, tokens }, { rate: 0 }).states, tf.tensor2d(rValues, [batch * tokens, d]))) as tf.Scalar,
        [x, ...params.map((p) => p.variable)],
      );
      const out = block.apply(x, paddingBias(ids), { batch, tokens }, { rate: 0 }).states;

      const a = block.attention;
      const weights = {
        'self_attn.in_proj_weight': [...transpose(rows(a.query.w)), ...transpose(rows(a.key.w)), ...transpose(rows(a.value.w))],
        'self_attn.in_proj_bias': [...a.query.b.dataSync(), ...a.key.b.dataSync(), ...a.value.b.dataSync()],
        'self_attn.out_proj.weight': transpose(rows(a.output.w)),
        'self_attn.out_proj.bias': [...a.output.b.dataSync()],
        'linear1.weight': transpose(rows(block.feedForward1.w)),
        'linear1.bias': [...block.feedForward1.b.dataSync()],
        'linear2.weight': transpose(rows(block.feedForward2.w)),
        'linear2.bias': [...block.feedForward2.b.dataSync()],
        'norm1.weight': [...block.norm1.gamma.dataSync()],
        'norm1.bias': [...block.norm1.beta.dataSync()],
        'norm2.weight': [...block.norm2.gamma.dataSync()],
        'norm2.bias': [...block.norm2.beta.dataSync()],
      };
      const to3d = (v: number[]) => Array.from({ length: batch }, (_, b) => Array.from({ length: tokens }, (__, t) => v.slice((b * tokens + t) * d, (b * tokens + t + 1) * d)));
      const spec = { d, heads, ff, norm, x: to3d(xValues), r: to3d(rValues), pad, weights };
      const torch = JSON.parse(execFileSync(PYTHON, [REFERENCE], { input: JSON.stringify(spec), encoding: 'utf8' })) as { out: number[][][]; dx: number[][][]; grads: Record<string, number[][] | number[]> };

      assertClose([...out.dataSync()], flat(torch.out), 1e-4);
      assertClose([...grads[x.name].dataSync()], flat(torch.dx), 1e-4);
      const grad = (name: string) => [...grads[params.find((p) => p.name === name)!.variable.name].dataSync()];
      const inProj = torch.grads['self_attn.in_proj_weight'] as number[][];
      const byName: Record<string, number[]> = {
        'b/attention/query/w': flat(transpose(inProj.slice(0, d))),
        'b/attention/key/w': flat(transpose(inProj.slice(d, 2 * d))),
        'b/attention/value/w': flat(transpose(inProj.slice(2 * d))),
        'b/attention/query/b': (torch.grads['self_attn.in_proj_bias'] as number[]).slice(0, d),
        'b/attention/key/b': (torch.grads['self_attn.in_proj_bias'] as number[]).slice(d, 2 * d),
        'b/attention/value/b': (torch.grads['self_attn.in_proj_bias'] as number[]).slice(2 * d),
        'b/attention/output/w': flat(transpose(torch.grads['self_attn.out_proj.weight'] as number[][])),
        'b/attention/output/b': torch.grads['self_attn.out_proj.bias'] as number[],
        'b/ff1/w': flat(transpose(torch.grads['linear1.weight'] as number[][])),
        'b/ff1/b': torch.grads['linear1.bias'] as number[],
        'b/ff2/w': flat(transpose(torch.grads['linear2.weight'] as number[][])),
        'b/ff2/b': torch.grads['linear2.bias'] as number[],
        'b/norm1/gamma': torch.grads['norm1.weight'] as number[],
        'b/norm1/beta': torch.grads['norm1.bias'] as number[],
        'b/norm2/gamma': torch.grads['norm2.weight'] as number[],
        'b/norm2/beta': torch.grads['norm2.bias'] as number[],
      };
      assert.deepEqual(Object.keys(byName).sort(), params.map((p) => p.name).sort());
      for (const [name, expected] of Object.entries(byName)) assertClose(grad(name), expected, 1e-4);
    });

    const tasks: ResolvedTask[] = [
      { name: 'a', type: 'classification', outputs: 3, classes: 3 },
      { name: 'b', type: 'regression', outputs: 1 },
    ];
    const variants = [
      { sharing: 'hard', pooling: 'mean' },
      { sharing: 'hard', pooling: 'cls' },
      { sharing: 'hard', pooling: 'cls', norm: 'post' },
      { sharing: 'task-attention' },
      { sharing: 'lora', loraRank: 2 },
    ];

    it('padding appended to a sequence changes no output', () => {
      for (const variant of variants) {
        const model = createModel({ config: transformerConfig({ dModel: 8, heads: 2, feedForwardUnits: 12, layers: 2, taskUnits: [4], ...variant }), inputDim: 7, vocabSize: 20, tasks, rng: rngFor(3, 'init') });
        const short = [[2, 5, 9], [3, 4, 0]];
        const padded = short.map((r) => [...r, 0, 0, 0, 0]);
        const a = model.forward(tf.tensor2d(short), { training: false });
        const b = model.forward(tf.tensor2d(padded), { training: false });
        a.outputs.forEach((o, k) => assertClose([...b.outputs[k].dataSync()], [...o.dataSync()], 1e-5));
        if (variant.sharing === 'task-attention') {
          const attention = rows(b.matrices!['token-attention'].values);
          // Batch mean of per-sample distributions: rows sum to 1; the padding columns (and sample 1's third token) are 0.
          for (const row of attention) {
            assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-5);
            assert.deepEqual(row.slice(3), [0, 0, 0, 0]);
          }
          assert.equal(b.matrices!['token-attention'].info.rows.join(), 'a,b');
        }
      }
    });

    // Width 10 takes the JavaScript kernels, 12 (whole vectors of 4) the SIMD ones on wasm (engine/simd).
    for (const d of [10, 12]) it(`LayerNorm of width ${d} (one fused kernel each way on this backend) equals the composite of tfjs ops, forward and gradients`, async () => {
      assert.ok(hasFusedKernels(), 'the fused path is the one under test');
      const rowsN = 12;
      const norm = new LayerNorm('n', d);
      norm.gamma.assign(tf.tensor1d(normals(d, 31).map((g) => 1 + 0.5 * g)));
      norm.beta.assign(tf.tensor1d(normals(d, 32)));
      // Rows with different offsets and scales (one of variance ≈ 0.01, where ε shows), so μ, the variance and ε matter.
      const x = tf.variable(tf.tensor2d(normals(rowsN * d, 33).map((v, i) => 2 * Math.floor(i / d) - 10 + v * (i < d ? 0.1 : 1 + (i % 3))), [rowsN, d]));
      const r = tf.tensor2d(normals(rowsN * d, 34), [rowsN, d]);
      const run = (f: (t: tf.Tensor2D) => tf.Tensor2D) => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(f(x), r)) as tf.Scalar, [x, norm.gamma, norm.beta]);
        return { out: [...f(x).dataSync()], value: value.dataSync()[0], grads: [x, norm.gamma, norm.beta].map((v) => [...grads[v.name].dataSync()]) };
      };
      const fused = run((t) => norm.apply(t));
      const composite = run((t) => norm.composite(t));
      const kernels = (await tf.profile(() => norm.apply(x))).kernels.map((k) => k.name);
      assert.ok(kernels.includes(backend === 'wasm' && d % 4 === 0 ? SIMD_LAYER_NORM : LAYER_NORM), `kernels run: ${kernels.join(', ')}`);
      assertClose(fused.out, composite.out, 1e-4);
      // Relative to the gradient's size (up to ≈ 30 here: r ≈ 10 on the narrow row), both sides float32.
      fused.grads.forEach((g, i) => assertClose(g, composite.grads[i], 1e-5 * Math.max(1, ...composite.grads[i].map(Math.abs))));
      // Each output row, with γ = 1 and β = 0, has mean 0 and (biased) variance 1 − ε/(var + ε) ≈ 1.
      const plain = new LayerNorm('p', d).apply(x).arraySync().slice(1);
      for (const row of plain) {
        const mean = row.reduce((s, v) => s + v, 0) / d;
        assert.ok(Math.abs(mean) < 1e-5 && Math.abs(row.reduce((s, v) => s + (v - mean) ** 2, 0) / d - 1) < 1e-3);
      }
    });

    it("the embedding's scatter gradient equals the gather gradient", () => {
      const table = tf.variable(tf.tensor2d(normals(6 * 3, 4), [6, 3]));
      const ids = tf.tensor1d([1, 4, 1, 0, 5, 1], 'int32');
      const r = tf.tensor2d(normals(6 * 3, 5), [6, 3]);
      const ours = tf.variableGrads(() => tf.sum(tf.mul(embed(table, ids), r)) as tf.Scalar, [table]).grads[table.name];
      // Independent: row v of the gradient is the sum of r's rows where ids = v.
      const idList = [...ids.dataSync()];
      const rRows = rows(r);
      const expected = Array.from({ length: 6 }, (_, v) => [0, 1, 2].map((j) => idList.reduce((s, id, i) => s + (id === v ? rRows[i][j] : 0), 0)));
      assertClose([...ours.dataSync()], expected.flat(), 1e-6);
    });
  });
}
