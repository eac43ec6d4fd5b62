/** The experiment's `cluster` section: Slurm options with positioned errors in Slurm's own spelling. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseExperimentText, parseExperimentText } from '../../src/training/config/parse';
import { formatDiagnostic } from '../../src/training/config/diagnostics';

const withCluster = (cluster: string) => `{
  "name": "s",
  "tasks": [ { "name": "a", "type": "regression" } ],
  "cluster": ${cluster}
}`;

test('a valid cluster section is kept, with its defaults filled in', () => {
  const config = parseExperimentText(withCluster('{ "partition": "gpu", "time": "1-12:00:00", "memory": "4G", "extraArgs": ["--constraint=a100"], "maxParallel": 4 }'), 's.mtl.json');
  assert.deepEqual(config.cluster, { partition: 'gpu', time: '1-12:00:00', cpusPerTask: 1, gpus: 0, memory: '4G', extraArgs: ['--constraint=a100'], maxParallel: 4, signalSeconds: 60 });
  for (const time of ['90', '30:00', '2:00:00', '1-12', '1-12:30', '1-12:30:00']) {
    assert.equal(parseExperimentText(withCluster(`{ "time": "${time}" }`), 's.mtl.json').cluster?.time, time);
  }
  // No section: nothing is added (a run on this machine has no cluster options).
  assert.equal(parseExperimentText(withCluster('{}').replace(',\n  "cluster": {}', ''), 's.mtl.json').cluster, undefined);
});

test('bad cluster values are reported at the value, in words, with file:line:col and the path', () => {
  const text = withCluster('{ "time": "1h", "cpusPerTask": 0, "memory": "lots", "extraArgs": ["constraint"], "partition": "a b", "maxParallel": 0, "nodes": 2 }');
  const lines = diagnoseExperimentText(text, 's.mtl.json').map(formatDiagnostic);
  assert.deepEqual(lines, [
    's.mtl.json:4:24: cluster.time: must be a Slurm time: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (e.g. "90" or "1-12:00:00"), got "1h"',
    's.mtl.json:4:45: cluster.cpusPerTask: must be ≥ 1, got 0',
    's.mtl.json:4:58: cluster.memory: must be a size in megabytes or with a unit K, M, G or T (e.g. "4G"), got "lots"',
    's.mtl.json:4:80: cluster.extraArgs[0]: must be one sbatch option starting with "-" (e.g. "--constraint=a100"), got "constraint"',
    's.mtl.json:4:108: cluster.partition: must be a partition name (letters, digits, "_", ".", "-"; several separated by ","), got "a b"',
    's.mtl.json:4:130: cluster.maxParallel: must be ≥ 1, got 0',
    's.mtl.json:4:133: cluster: unknown key "nodes"',
  ]);
});
