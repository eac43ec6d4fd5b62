/**
 * Loading a large CSV data set: wall time and peak memory of `loadDataset` (read, parse, encode) on a
 * generated file, each round in a fresh Node process so that the peak resident set size
 * (`process.resourceUsage().maxRSS`) belongs to that one load.
 *
 *   node --import tsx bench/csvLoad.ts [rows=200000] [rounds=3]
 *
 * The file: `rows` rows × 20 columns — 16 numeric features (about 1 % missing, so `data.impute` is
 * "mean"), a categorical feature with a quoted comma in some values, a categorical feature of 12 levels,
 * a regression target and a classification target. Generated from a fixed seed into a temporary folder.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const NUMERIC_FEATURES = 16;

/** A small deterministic generator (mulberry32), so every round and every version loads the same bytes. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generateCsv(rows: number): string {
  const next = random(7);
  const header = [...Array.from({ length: NUMERIC_FEATURES }, (_, j) => `x${j}`), 'region', 'level', 'y', 'grade'];
  const regions = ['"Valley, east"', '"Valley, west"', 'Uplands', 'Coast'];
  const lines = [header.join(',')];
  for (let r = 0; r < rows; r++) {
    const fields: string[] = [];
    let sum = 0;
    for (let j = 0; j < NUMERIC_FEATURES; j++) {
      const v = next() * 20 - 10;
      sum += v;
      fields.push(next() < 0.01 ? '' : v.toFixed(4));
    }
    fields.push(regions[Math.floor(next() * regions.length)]!, `L${Math.floor(next() * 12)}`, (sum / 4 + next()).toFixed(3), ['A', 'B', 'C'][Math.floor(next() * 3)]!);
    lines.push(fields.join(','));
  }
  return `${lines.join('\n')}\n`;
}

const experiment = {
  name: 'csv-load-bench',
  data: { source: 'csv', path: 'data.csv', features: 'auto', impute: 'mean', validationSplit: 0.2 },
  tasks: [
    { name: 'y', type: 'regression', target: 'y' },
    { name: 'grade', type: 'classification', target: 'grade' },
  ],
  model: { architecture: 'hard' },
};

interface Round {
  ms: number;
  /** CPU time of the load (user + system), less sensitive than wall time to other work on the machine. */
  cpuMs: number;
  peakRssMb: number;
  startRssMb: number;
  describe: string;
}

/** One load, in this (fresh) process; prints a Round as JSON. */
async function child(dir: string): Promise<void> {
  const { loadExperimentConfig } = await import('../src/training/config/load');
  const { loadDataset } = await import('../src/training/data/load');
  const { config } = await loadExperimentConfig(path.join(dir, 'bench.mtl.json'));
  const startRssMb = process.resourceUsage().maxRSS / 1024;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const dataset = await loadDataset(config, dir);
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  const round: Round = { ms, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb: process.resourceUsage().maxRSS / 1024, startRssMb, describe: dataset.describe };
  console.log(JSON.stringify(round));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3]!);
  const rows = Number(process.argv[2] ?? 200_000);
  const rounds = Number(process.argv[3] ?? 3);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mtl-csv-bench-'));
  try {
    writeFileSync(path.join(dir, 'data.csv'), generateCsv(rows));
    writeFileSync(path.join(dir, 'bench.mtl.json'), JSON.stringify(experiment, null, 2));
    const bytes = statSync(path.join(dir, 'data.csv')).size;
    console.log(`${rows} rows × 20 columns, ${(bytes / 1024 / 1024).toFixed(1)} MB`);
    const results: Round[] = [];
    for (let i = 0; i < rounds; i++) {
      const out = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', dir], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`round ${i + 1} failed:\n${out.stderr}`);
      const round = JSON.parse(out.stdout.trim().split('\n').pop()!) as Round;
      results.push(round);
      console.log(`round ${i + 1}: ${round.ms.toFixed(0)} ms (CPU ${round.cpuMs.toFixed(0)} ms), peak RSS ${round.peakRssMb.toFixed(0)} MB (${round.startRssMb.toFixed(0)} MB before the load)`);
    }
    console.log(results[0]!.describe);
    console.log(`median ${median(results.map((r) => r.ms)).toFixed(0)} ms (CPU ${median(results.map((r) => r.cpuMs)).toFixed(0)} ms); peak RSS median ${median(results.map((r) => r.peakRssMb)).toFixed(0)} MB, growth during the load median ${median(results.map((r) => r.peakRssMb - r.startRssMb)).toFixed(0)} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
