/**
 * Check Training Backends and Install GPU Backend. Install GPU Backend offers the GPU packages that fit
 * the machine (gpuOptionsFor: WebGPU wherever Dawn is prebuilt, CUDA on Linux x64). The GPU backend is installed into the extension's
 * global storage (never into the user's project), with npm's output in the one "MTL Lab: GPU backend"
 * output channel (created at the first install, reused by later ones, disposed with the commands) and a
 * cancellable progress notification; then a fresh worker says whether it loads, and why not when it
 * does not (the worker searches that folder, see workerModulePaths).
 */
import * as vscode from 'vscode';
import { workerModulePaths } from '../settings';
import { ensureTrusted } from '../runs/runsService';
import { COMMANDS, type FeatureCommands } from '../commands/commandIds';
import type { CommandDeps } from '../commands/commandContext';
import type { DisposableStore } from '../util/disposables';
import { gpuOptionsFor, installNativePackage, nativeBackendsDirectory, type GpuOption } from './nativeBackends';

const GPU_DOCS = 'https://github.com/tensorflow/tfjs/tree/master/tfjs-node#gpu-support';

export const GPU_OUTPUT_CHANNEL = 'MTL Lab: GPU backend';

export type BackendDeps = Pick<CommandDeps, 'context' | 'runs'>;

/** How a package gets installed (npm; tests give a stand-in). */
export type PackageInstaller = typeof installNativePackage;

function probeBackends(deps: BackendDeps, title: string) {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, () => deps.runs.manager.probe(workerModulePaths(deps.context)));
}

async function checkBackends(deps: BackendDeps, installGpuBackend: () => Promise<void>): Promise<void> {
  if (!(await ensureTrusted('check the training backends'))) return;
  const backends = await probeBackends(deps, 'MTL Lab: checking which training backends load…');
  const items: (vscode.QuickPickItem & { url?: string })[] = backends.map((b) => ({
    label: `${b.available ? '$(check)' : '$(close)'} ${b.name}`,
    description: b.available ? 'loads' : 'does not load',
    detail: b.detail,
  }));
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: '$(link-external) GPU setup (CUDA, cuDNN, @tensorflow/tfjs-node-gpu)', url: GPU_DOCS });
  const installable = gpuOptionsFor().filter((o) => backends.some((b) => b.name === o.backend && !b.available && /not installed/.test(b.detail)));
  const offerInstall = installable.length > 0;
  if (offerInstall) items.push({ label: '$(cloud-download) Install GPU Backend…', detail: `${installable.map((o) => o.label).join(' or ')}, into MTL Lab's own storage` });
  const picked = await vscode.window.showQuickPick(items, { title: 'MTL Lab: Training Backends', placeHolder: `Available here: ${backends.filter((b) => b.available).map((b) => b.name).join(', ') || 'none'}` });
  if (picked?.url) await vscode.env.openExternal(vscode.Uri.parse(picked.url));
  else if (offerInstall && picked === items[items.length - 1]) await installGpuBackend();
}

/** The GPU option to install: the only one that fits, or the user's pick. */
async function chooseGpuOption(): Promise<GpuOption | undefined> {
  const options = gpuOptionsFor();
  if (options.length === 0) {
    void vscode.window.showInformationMessage(`MTL Lab: no GPU package is built for ${process.platform}-${process.arch}; training uses wasm or cpu.`);
    return undefined;
  }
  if (options.length === 1) return options[0];
  const picked = await vscode.window.showQuickPick(
    options.map((option) => ({ label: option.label, detail: `Needs ${option.needs}.`, option })),
    { title: 'MTL Lab: Install GPU Backend', placeHolder: 'Which GPU backend?' },
  );
  return picked?.option;
}

async function installGpuBackend(deps: BackendDeps, output: () => vscode.OutputChannel, install: PackageInstaller): Promise<void> {
  if (!(await ensureTrusted('install the GPU backend'))) return;
  const option = await chooseGpuOption();
  if (!option) return;
  const what = option.specs.join(' and ');
  const directory = nativeBackendsDirectory(deps.context.globalStorageUri.fsPath);
  const confirm = 'Install';
  const answer = await vscode.window.showInformationMessage(
    `Install ${what}?`,
    {
      modal: true,
      detail: `npm installs it into MTL Lab's own storage (${directory}), not into your project. It needs ${option.needs} — without that, training uses the next backend and Check Training Backends says why.`,
    },
    confirm,
  );
  if (answer !== confirm) return;
  const channel = output();
  channel.show(true);
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `MTL Lab: installing ${what}`, cancellable: true },
    (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return install(
        directory,
        option.specs,
        (line) => {
          channel.appendLine(line);
          progress.report({ message: line.slice(0, 80) });
        },
        abort.signal,
      );
    },
  );
  if (outcome.cancelled) {
    void vscode.window.showInformationMessage('MTL Lab: GPU backend installation cancelled.');
    return;
  }
  if (!outcome.ok) {
    const show = 'Show Output';
    if ((await vscode.window.showErrorMessage(`MTL Lab: npm could not install ${what} (exit code ${outcome.code ?? 'none'}).`, show)) === show) channel.show();
    return;
  }
  await verifyInstalled(deps, option, channel);
}

/** Asks a fresh worker whether the installed backend loads, and says so (with why not). */
async function verifyInstalled(deps: BackendDeps, option: GpuOption, channel: vscode.OutputChannel): Promise<void> {
  const backends = await probeBackends(deps, 'MTL Lab: checking whether the GPU backend loads…');
  const gpu = backends.find((b) => b.name === option.backend);
  channel.appendLine(`${option.backend}: ${gpu?.available ? 'loads' : 'does not load'} (${gpu?.detail ?? 'not probed'})`);
  if (gpu?.available) {
    void vscode.window.showInformationMessage(`MTL Lab: the GPU backend ${option.backend} loads (${gpu.detail}).`);
    return;
  }
  const docs = 'GPU setup';
  const picked = await vscode.window.showWarningMessage(
    `MTL Lab: ${option.specs.join(' and ')} installed but ${option.backend} does not load: ${gpu?.detail ?? 'unknown'}. It needs ${option.needs}; until then runs use the next backend.`,
    ...(option.backend === 'tensorflow-gpu' ? [docs] : []),
  );
  if (picked === docs) await vscode.env.openExternal(vscode.Uri.parse(GPU_DOCS));
}

/** `owned` owns the GPU backend output channel once an install created it. */
export function backendCommands(deps: BackendDeps, owned: DisposableStore, install: PackageInstaller = installNativePackage): FeatureCommands<'checkBackends' | 'installGpuBackend'> {
  let channel: vscode.OutputChannel | undefined;
  const output = () => (channel ??= owned.add(vscode.window.createOutputChannel(GPU_OUTPUT_CHANNEL)));
  const installGpu = () => installGpuBackend(deps, output, install);
  return {
    [COMMANDS.checkBackends]: () => checkBackends(deps, installGpu),
    [COMMANDS.installGpuBackend]: installGpu,
  };
}
