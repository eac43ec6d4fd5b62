/**
 * Which Python a program experiment runs with: the setting, else the Python extension's selected interpreter (only
 * when it is already active, and only in a trusted workspace), else none (the command as written).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installFakeVscode } from '../helpers/fakeVscode';
import type { Settings } from '../../src/extension/settings';

const state = { trusted: true, active: true, exports: {} as unknown };
installFakeVscode({
  workspace: {
    get isTrusted() {
      return state.trusted;
    },
  },
  extensions: {
    getExtension: (id: string) => (id === 'ms-python.python' ? { isActive: state.active, exports: state.exports } : undefined),
  },
});
const { interpreterFromPythonApi, pythonInterpreter } = require('../../src/extension/runs/pythonInterpreter') as typeof import('../../src/extension/runs/pythonInterpreter');

const settings = (pythonInterpreter: string) => ({ pythonInterpreter }) as Settings;
const environmentsApi = { environments: { getActiveEnvironmentPath: () => ({ path: '/venv/bin/python' }) } };

test('the setting wins over the Python extension', () => {
  state.exports = environmentsApi;
  assert.equal(pythonInterpreter(settings('/opt/py/bin/python3')), '/opt/py/bin/python3');
});

test('the Python extension\'s selected interpreter when active, none when inactive or untrusted', () => {
  state.exports = environmentsApi;
  assert.equal(pythonInterpreter(settings('')), '/venv/bin/python');
  state.active = false;
  assert.equal(pythonInterpreter(settings('')), undefined);
  state.active = true;
  state.trusted = false;
  assert.equal(pythonInterpreter(settings('')), undefined);
  state.trusted = true;
});

test('both shapes of the Python extension API; anything else is no interpreter, never an error', () => {
  assert.equal(interpreterFromPythonApi(environmentsApi), '/venv/bin/python');
  assert.equal(interpreterFromPythonApi({ settings: { getExecutionDetails: () => ({ execCommand: ['/usr/bin/python3.11', '-X'] }) } }), '/usr/bin/python3.11');
  assert.equal(interpreterFromPythonApi({ environments: { getActiveEnvironmentPath: () => ({ path: '' }) } }), undefined);
  assert.equal(interpreterFromPythonApi({ environments: { getActiveEnvironmentPath: () => { throw new Error('not ready'); } } }), undefined);
  assert.equal(interpreterFromPythonApi(undefined), undefined);
});
