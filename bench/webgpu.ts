/**
 * The webgpu part of `npm run bench:train` (called by bench/train.ts, which passes in its sizes, its
 * bare step and PyTorch). Where Dawn offers no adapter it says why. On a software adapter (SwiftShader,
 * llvmpipe…) it checks correctness only — the losses of a few bare steps equal wasm's — and gives no
 * rate: a CPU emulating a GPU says nothing about GPU speed. On a hardware adapter it also times the bare
 * step in interleaved rounds against wasm and PyTorch (CUDA when that PyTorch has it), by the wall clock:
 * a GPU's work is not in this process's CPU time.
 */
import { nodeModuleLoader, selectBackend } from '../src/training/backend/select';
import { adapterSummary, findAdapter } from '../src/training/backend/webgpu';

export interface BenchSize {
  name: string;
  inputs: number;
  hidden: number;
  batch: number;
  seconds: number;
}
export interface TorchWall {
  /** "PyTorch cuda" or "PyTorch cpu". */
  label: string;
  /** Steps per wall-clock second over at least `seconds`. */
  round(size: BenchSize, seconds: number): Promise<number>;
  close(): void;
}
interface BareStep {
  step(): void;
  /** One step that returns its losses (the same trainer, next step). */
  losses(): number[];
  dispose(): void;
}
export interface WebgpuBenchDeps {
  sizes: BenchSize[];
  rounds: number;
  bare(size: BenchSize): BareStep;
  /** Steps per wall-clock second of `step` over at least `seconds`. */
  wallRate(step: () => void, seconds: number): number;
  /** Starts PyTorch on its fastest device (CUDA when it has it), for hardware adapters only. */
  torch?(): Promise<TorchWall | undefined>;
}

const CHECK_STEPS = 3;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** The losses of CHECK_STEPS bare steps from the same initial weights on the active backend. */
function lossesOf(deps: WebgpuBenchDeps, size: BenchSize): number[][] {
  const bare = deps.bare(size);
  const out = Array.from({ length: CHECK_STEPS }, () => bare.losses());
  bare.dispose();
  return out;
}

export async function benchWebgpu(deps: WebgpuBenchDeps): Promise<Record<string, number>> {
  const loader = nodeModuleLoader();
  let summary: string;
  let software: boolean;
  try {
    const found = await findAdapter(loader);
    summary = adapterSummary(found.info);
    software = found.info.software;
  } catch (error) {
    console.log(`\n## webgpu: not measured — ${(error as Error).message}`);
    return {};
  }
  console.log(`\n## webgpu: ${summary}`);
  const results: Record<string, number> = {};
  let torch: TorchWall | undefined;
  for (const size of deps.sizes) {
    await selectBackend('wasm');
    const wasm = lossesOf(deps, size);
    await selectBackend('webgpu', loader);
    const gpu = lossesOf(deps, size);
    const worst = Math.max(...gpu.flatMap((row, s) => row.map((v, k) => Math.abs(v - wasm[s][k]))));
    results[`${size.name} webgpu worst loss difference`] = worst;
    console.log(`${size.name}: losses of ${CHECK_STEPS} steps on webgpu equal wasm's within ${worst.toExponential(1)} (${JSON.stringify(gpu.at(-1))} vs ${JSON.stringify(wasm.at(-1))})`);
    if (software) continue;
    torch ??= await deps.torch?.();
    const rates: Record<string, number[]> = { webgpu: [], wasm: [], ...(torch ? { [torch.label]: [] } : {}) };
    const steppers = { webgpu: deps.bare(size), wasm: undefined as BareStep | undefined };
    await selectBackend('wasm');
    steppers.wasm = deps.bare(size);
    for (let r = 0; r <= deps.rounds; r++) {
      // Round 0 is the warm-up (shader compilation, allocator growth) and is not counted.
      await selectBackend('webgpu', loader);
      const g = deps.wallRate(steppers.webgpu.step, size.seconds);
      await selectBackend('wasm');
      const w = deps.wallRate(steppers.wasm.step, size.seconds);
      const t = torch ? await torch.round(size, size.seconds) : undefined;
      if (r === 0) continue;
      rates.webgpu.push(g);
      rates.wasm.push(w);
      if (torch && t !== undefined) rates[torch.label].push(t);
    }
    await selectBackend('webgpu', loader);
    steppers.webgpu.dispose();
    await selectBackend('wasm');
    steppers.wasm.dispose();
    const line = Object.entries(rates).map(([k, v]) => `${k} ${fmt(median(v))}`).join(', ');
    const ratio = (ref: string) => median(rates.webgpu.map((g, r) => g / rates[ref][r]));
    results[`${size.name} webgpu/wasm`] = ratio('wasm');
    console.log(`  steps/s (wall clock, median of ${deps.rounds} interleaved rounds): ${line}; webgpu/wasm ${ratio('wasm').toPrecision(2)}×` + (torch ? `, webgpu/${torch.label} ${ratio(torch.label).toPrecision(2)}×` : ''));
  }
  torch?.close();
  if (software) console.log('software adapter: correctness only; it emulates a GPU on the CPU, so no speed is claimed for webgpu.');
  await selectBackend('wasm');
  return results;
}
