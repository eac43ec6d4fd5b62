/**
 * The host side of "Study this grouping": the study config is written beside the run's experiment file (data paths
 * stay valid), never over an existing file, opened in an editor, refused in an untrusted workspace; the written file
 * passes the config loader.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { installFakeVscode } from '../helpers/fakeVscode';
import { loadExperimentConfig } from '../../src/training/config/load';
import type { RunInfo } from '../../src/training/run/records';

const opened: string[] = [];
installFakeVscode({
  Uri: { file: (fsPath: string) => ({ fsPath }) },
  window: { showTextDocument: async (uri: { fsPath: string }) => void opened.push(uri.fsPath), showInformationMessage: async () => undefined },
});
const { writeGroupingStudy } = require('../../src/extension/study/groupingStudy') as typeof import('../../src/extension/study/groupingStudy');

describe('Study this grouping (host)', () => {
  it('writes <name>-grouping.mtl.json beside the experiment, then -2 beside it, opens each; refused when untrusted', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'grouping-host-'));
    const experimentFile = path.join(dir, 'pairs.mtl.json');
    writeFileSync(experimentFile, readFileSync(path.resolve(__dirname, '../../examples/affinity-pairs.mtl.json')));
    const { config } = await loadExperimentConfig(experimentFile, []);
    const info = { id: 'affinity-pairs-1', name: config.name, experimentFile } as RunInfo;
    const run = { info, config, runDir: path.join(dir, 'mtl-runs', info.id) };
    const first = await writeGroupingStudy(run, [['a', 'b'], ['c', 'd']], false);
    assert.equal(first, path.join(dir, 'affinity-pairs-grouping.mtl.json'));
    const second = await writeGroupingStudy(run, [['a', 'c'], ['b', 'd']], false);
    assert.equal(second, path.join(dir, 'affinity-pairs-grouping-2.mtl.json'));
    assert.deepEqual(opened, [first, second]);
    const { config: study } = await loadExperimentConfig(second, []);
    assert.deepEqual(study.sweep, { 'training.tasks': [['a', 'b', 'c', 'd'], ['a', 'c'], ['b', 'd']] });
    await assert.rejects(writeGroupingStudy(run, [['a', 'b']], true), /not trusted/);
  });
});
