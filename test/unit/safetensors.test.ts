/**
 * The safetensors reader (src/training/models/safetensors.ts) on files built here byte by byte, and on files
 * written by PyTorch's own float16 / bfloat16 rounding (test/reference/safetensors_writer.py, Debian's
 * python3-torch): values as known bit patterns say, and every malformed file an error naming file and tensor.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SafetensorsError, SafetensorsFile, halfToFloat } from '../../src/training/models/safetensors';
import { f32, safetensorsBytes as fileOf, u16 } from '../helpers/safetensors';

const PYTHON = '/usr/bin/python3';
const WRITER = path.join(__dirname, '..', 'reference', 'safetensors_writer.py');

const throwsNaming = (fn: () => unknown, ...parts: string[]) =>
  assert.throws(fn, (error: Error) => {
    assert.ok(error instanceof SafetensorsError, error.message);
    for (const part of parts) assert.ok(error.message.includes(part), `"${error.message}" names ${part}`);
    return true;
  });

describe('safetensors reader', () => {
  it('reads F32, F16 and BF16 tensors to float32 from known bit patterns', () => {
    const file = SafetensorsFile.read(
      fileOf({
        w: { dtype: 'F32', shape: [2, 3], bytes: f32(1, -2.5, 0.1, 1e-30, 3e38, -0) },
        // 1, −2, 65504 (largest), 2^−24 (smallest subnormal), 2^−14 (smallest normal), +∞, 0.333251953125
        h: { dtype: 'F16', shape: [7], bytes: u16(0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x7c00, 0x3555) },
        // 1, 3.140625, −123.5, 2^−133 (a float32 subnormal)
        b: { dtype: 'BF16', shape: [2, 2], bytes: u16(0x3f80, 0x4049, 0xc2f7, 0x0001) },
      }),
      'm.safetensors',
    );
    assert.deepEqual(file.names, ['w', 'h', 'b']);
    assert.deepEqual(file.entries.get('w')!.shape, [2, 3]);
    assert.deepEqual([...file.float32('w')], [...new Float32Array([1, -2.5, 0.1, 1e-30, 3e38, -0])]);
    assert.deepEqual([...file.float32('h')], [1, -2, 65504, 2 ** -24, 2 ** -14, Infinity, 0.333251953125]);
    assert.deepEqual([...file.float32('b')], [1, 3.140625, -123.5, Math.fround(2 ** -133)]);
    assert.ok(Number.isNaN(halfToFloat(0x7e00)));
    assert.equal(halfToFloat(0x8000), -0);
  });

  it('reads a file PyTorch rounded to F16 and BF16, with metadata and an integer tensor it does not decode', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'safetensors-'));
    const target = path.join(dir, 'torch.safetensors');
    const values = Array.from({ length: 12 }, (_, i) => Math.sin(i * 1.7) * 10 ** ((i % 5) - 2));
    const spec = {
      path: target,
      metadata: { format: 'pt' },
      tensors: {
        'a.f32': { dtype: 'F32', shape: [3, 4], values },
        'a.f16': { dtype: 'F16', shape: [4, 3], values },
        'a.bf16': { dtype: 'BF16', shape: [2, 6], values },
        'position_ids': { dtype: 'I64', shape: [1, 12], values: values.map((_, i) => i) },
      },
    };
    const torch = JSON.parse(execFileSync(PYTHON, [WRITER], { input: JSON.stringify(spec), encoding: 'utf8' })) as Record<string, number[]>;
    const file = SafetensorsFile.read(readFileSync(target), target);
    assert.deepEqual(file.metadata, { format: 'pt' });
    for (const name of ['a.f32', 'a.f16', 'a.bf16']) assert.deepEqual([...file.float32(name)], torch[name], name);
    // The rounding is real: F16 and BF16 differ from the float32 values.
    assert.notDeepEqual(torch['a.bf16'], torch['a.f32']);
    assert.deepEqual(file.entries.get('position_ids'), { dtype: 'I64', shape: [1, 12], begin: file.entries.get('position_ids')!.begin, end: file.entries.get('position_ids')!.begin + 96 });
    throwsNaming(() => file.float32('position_ids'), target, '"position_ids" is I64');
    throwsNaming(() => file.float32('nothing'), target, 'no tensor "nothing"');
  });

  it('refuses a malformed file, naming the file and the tensor', () => {
    const ok = { dtype: 'F32', shape: [2], bytes: f32(1, 2) };
    throwsNaming(() => SafetensorsFile.read(new Uint8Array(5), 'short.safetensors'), 'short.safetensors', 'shorter than the 8-byte header length');
    const long = fileOf({ w: ok });
    new DataView(long.buffer).setBigUint64(0, 1n << 40n, true);
    throwsNaming(() => SafetensorsFile.read(long, 'long.safetensors'), 'long.safetensors', 'runs past the end');
    throwsNaming(() => SafetensorsFile.read(fileOf({ w: ok }, '{"w": {'), 'bad.safetensors'), 'bad.safetensors', 'the header is not JSON');
    throwsNaming(() => SafetensorsFile.read(fileOf({ w: ok }, '[1]'), 'list.safetensors'), 'not a JSON object');
    throwsNaming(() => SafetensorsFile.read(fileOf({ w: { ...ok, shape: [3] } }), 'size.safetensors'), 'size.safetensors', 'tensor "w"', 'shape [3] of F32 takes 12 bytes, data_offsets give 8');
    throwsNaming(() => SafetensorsFile.read(fileOf({ w: { ...ok, dtype: 'F12' } }), 'dtype.safetensors'), 'tensor "w"', 'unknown dtype "F12"');
    throwsNaming(() => SafetensorsFile.read(fileOf({ w: { ...ok, shape: [-2] } }), 'neg.safetensors'), 'tensor "w"', 'not a list of non-negative integers');
    const outside = '{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}';
    throwsNaming(() => SafetensorsFile.read(fileOf({ w: ok }, outside), 'out.safetensors'), 'tensor "w"', 'data_offsets [0, 16] lie outside the 8 data bytes');
    throwsNaming(() => SafetensorsFile.read(fileOf({ w: ok }, '{"w": {"dtype": "F32", "shape": [2]}}'), 'no-offsets.safetensors'), 'tensor "w"', 'is not [begin, end]');
  });
});
