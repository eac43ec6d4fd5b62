/**
 * A run written by the Python logger (python/mtl_lab.py) is a run like any other for MTL Lab's one reader: listed
 * with its run.json, every line a valid record, its matrices described. Debian's python3 runs the script.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MatrixReader } from '../../src/training/run/matrices';
import { parseRecords } from '../../src/training/run/metricsTail';
import { listRunsSync } from '../../src/training/run/runDirectory';
import { readFileSync } from 'node:fs';
import { PYTHON } from '../../scripts/ensure-python';

const SCRIPT = `
import sys
sys.path.insert(0, sys.argv[1])
import mtl_lab
with mtl_lab.open_run("py", config={"lr": 0.1}, runs_dir=sys.argv[2], total_steps=2) as run:
    att = mtl_lab.matrix([[0.6, 0.4], [0.3, 0.7]], ["a", "b"], ["0", "1"], "Attention", row_axis="task", column_axis="tower")
    run.train(1, {"a": 2.0, "b": 4.0}, weights={"a": 0.7, "b": 0.3}, matrices={"attention": att}, conflict=[[1, -0.2], [-0.2, 1]])
    run.train(2, {"a": 1.0, "b": 3.0}, weights={"a": 0.7, "b": 0.3}, matrices={"attention": att})
    run.eval(2, {"a": {"loss": 1.5, "accuracy": 0.5}, "b": {"loss": 2.5}})
`;

it('a Python run is listed, and every line of it is a record MTL Lab reads', () => {
  const runsDir = mkdtempSync(path.join(os.tmpdir(), 'mtl-py-'));
  execFileSync(PYTHON, ['-c', SCRIPT, path.resolve(__dirname, '../../python'), runsDir]);
  const { runs, unreadable } = listRunsSync(runsDir);
  assert.deepEqual(unreadable, []);
  assert.equal(runs.length, 1);
  const { info, runDir } = runs[0]!;
  assert.equal(info.status, 'completed');
  assert.equal(info.summary?.bestStep, 2);
  const parsed = parseRecords(readFileSync(path.join(runDir, 'metrics.jsonl')));
  assert.equal(parsed.skipped, 0);
  assert.deepEqual(parsed.records.map((r) => (r.kind === 'event' ? r.code : r.kind)), ['run-started', 'train', 'train', 'eval', 'completed']);
  const train = parsed.records.filter((r) => r.kind === 'train');
  assert.equal(train[0]!.totalLoss, 0.7 * 2 + 0.3 * 4);
  const reader = new MatrixReader();
  const first = reader.read(train[0]!);
  assert.deepEqual(first.map((m) => [m.name, m.info.title, m.info.rows]), [['attention', 'Attention', ['a', 'b']], ['conflict', 'Gradient cosine', ['a', 'b']]]);
  // The second record has no descriptions: the reader carries them forward.
  assert.equal(reader.read(train[1]!)[0]!.info.columnAxis, 'tower');
});
