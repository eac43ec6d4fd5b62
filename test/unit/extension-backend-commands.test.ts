/**
 * Install GPU Backend writes npm's output to one "MTL Lab: GPU backend" output channel, however many
 * times it runs (it used to create a new channel per install), owned by the commands' registration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { installFakeVscode } from '../helpers/fakeVscode';
import type { BackendProbe } from '../../src/training/protocol';
import type { InstallOutcome } from '../../src/extension/backends/nativeBackends';

interface FakeChannel {
  name: string;
  lines: string[];
  disposed: number;
}

const channels: FakeChannel[] = [];
let pick = 'tensorflow-gpu';
const infos: string[] = [];
const progressMessages: string[] = [];
installFakeVscode({
  workspace: { isTrusted: true, workspaceFolders: [] },
  window: {
    createOutputChannel: (name: string) => {
      const channel: FakeChannel & { appendLine(line: string): void; show(): void; dispose(): void } = {
        name,
        lines: [],
        disposed: 0,
        appendLine: (line) => void channel.lines.push(line),
        show: () => undefined,
        dispose: () => void channel.disposed++,
      };
      channels.push(channel);
      return channel;
    },
    // The modal "Install @tensorflow/tfjs-node-gpu@…?" is confirmed; other messages are dismissed.
    showInformationMessage: async (message: string, ...items: unknown[]) => (infos.push(message), message.startsWith('Install ') ? items.at(-1) : undefined),
    showWarningMessage: async () => undefined,
    // Install GPU Backend offers WebGPU and, on Linux x64, CUDA: the test picks by backend.
    showQuickPick: async (items: { option?: { backend: string } }[]) => items.find((i) => i.option?.backend === pick) ?? items[0],
    showErrorMessage: async () => undefined,
    withProgress: (_options: unknown, task: (progress: unknown, token: unknown) => unknown) =>
      task({ report: ({ message }: { message: string }) => void progressMessages.push(message) }, { onCancellationRequested: () => ({ dispose() {} }) }),
  },
});

const { backendCommands, GPU_OUTPUT_CHANNEL } = require('../../src/extension/backends/backendCommands') as typeof import('../../src/extension/backends/backendCommands');
const { COMMANDS } = require('../../src/extension/commands/commandIds') as typeof import('../../src/extension/commands/commandIds');
const { DisposableStore } = require('../../src/extension/util/disposables') as typeof import('../../src/extension/util/disposables');

test('Install GPU Backend run twice writes both installs to the one "MTL Lab: GPU backend" channel, disposed with the commands', async () => {
  const installs: string[] = [];
  const install = async (directory: string, spec: string | readonly string[], onLine: (line: string) => void): Promise<InstallOutcome> => {
    installs.push(directory);
    onLine(`install ${installs.length} of ${[spec].flat().join(' ')}`);
    return { ok: true, code: 0, cancelled: false };
  };
  const probe = async (): Promise<BackendProbe[]> => [{ name: 'tensorflow-gpu', available: false, detail: 'libcudart.so.11.0 missing' }];
  const deps = { context: { globalStorageUri: { fsPath: '/storage' } }, runs: { manager: { probe } } } as unknown as Parameters<typeof backendCommands>[0];
  const owned = new DisposableStore();
  const handlers = backendCommands(deps, owned, install);

  assert.equal(channels.length, 0, 'no channel before the first install');
  await handlers[COMMANDS.installGpuBackend]();
  await handlers[COMMANDS.installGpuBackend]();
  assert.equal(installs.length, 2, 'both installs ran');
  assert.deepEqual(installs, [path.join('/storage', 'native-backends'), path.join('/storage', 'native-backends')]);
  assert.deepEqual(
    channels.map((c) => c.name),
    [GPU_OUTPUT_CHANNEL],
    'one channel for both installs',
  );
  assert.equal(GPU_OUTPUT_CHANNEL, 'MTL Lab: GPU backend');
  const [channel] = channels;
  assert.deepEqual(channel!.lines, [
    'install 1 of @tensorflow/tfjs-node-gpu@4.22.0',
    'tensorflow-gpu: does not load (libcudart.so.11.0 missing)',
    'install 2 of @tensorflow/tfjs-node-gpu@4.22.0',
    'tensorflow-gpu: does not load (libcudart.so.11.0 missing)',
  ]);
  assert.deepEqual(progressMessages, ['install 1 of @tensorflow/tfjs-node-gpu@4.22.0', 'install 2 of @tensorflow/tfjs-node-gpu@4.22.0']);
  owned.dispose();
  assert.equal(channel!.disposed, 1, 'the registration owns the channel and disposes it once');
});

test('Install GPU Backend with WebGPU chosen installs Dawn and the WebGPU kernels together, then reports the adapter the probe found', async () => {
  pick = 'webgpu';
  const specs: (string | readonly string[])[] = [];
  const install = async (_directory: string, spec: string | readonly string[]): Promise<InstallOutcome> => (specs.push(spec), { ok: true, code: 0, cancelled: false });
  const adapter = 'GPU Apple M2 (apple metal-3, Dawn metal; max buffer 4 GiB, max storage binding 128 MiB)';
  const probe = async (): Promise<BackendProbe[]> => [{ name: 'webgpu', available: true, detail: adapter }];
  const deps = { context: { globalStorageUri: { fsPath: '/storage' } }, runs: { manager: { probe } } } as unknown as Parameters<typeof backendCommands>[0];
  const owned = new DisposableStore();
  infos.length = 0;
  await backendCommands(deps, owned, install)[COMMANDS.installGpuBackend]();
  assert.deepEqual(specs, [['webgpu@0.6.2', '@tensorflow/tfjs-backend-webgpu@4.22.0']]);
  assert.equal(infos[0], 'Install webgpu@0.6.2 and @tensorflow/tfjs-backend-webgpu@4.22.0?');
  assert.equal(infos.at(-1), `MTL Lab: the GPU backend webgpu loads (${adapter}).`);
  owned.dispose();
});
