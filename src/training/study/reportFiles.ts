/**
 * `mtl-lab study --report DIR`: the study's tables as Markdown (with the diagnostics) and LaTeX, and its figures:
 * the Pareto view of each task pair (the first six) and each task's train loss per group, as SVG, and as PNG where a
 * Chromium is installed (figurePng.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Points } from '../../webview/protocol';
import type { ExperimentConfig } from '../config/schema';
import { readRecordsSync } from '../run/metricsTail';
import type { MetricRecord } from '../run/records';
import type { RunListing } from '../run/runDirectory';
import type { RunGroup } from './compare';
import { findChromium, svgFileToPng } from './figurePng';
import { FIGURE, lossFigure, paretoFigure } from './figures';
import { reportLatex, reportMarkdown } from './report';
import { diagnosticsText, type GroupDiagnostics } from './summary';

export async function writeReport(dir: string, groups: RunGroup<RunListing>[], config: ExperimentConfig, diagnostics: GroupDiagnostics[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const title = `Study ${config.name}`;
  writeFileSync(path.join(dir, 'study.md'), `${reportMarkdown(groups, config.tasks, title)}\n\`\`\`\n${diagnosticsText(diagnostics)}\n\`\`\`\n`);
  writeFileSync(path.join(dir, 'study.tex'), reportLatex(groups, config.tasks, title));
  const figures: string[] = [];
  const file = (name: string) => path.join(dir, `${name.replace(/[^A-Za-z0-9_.-]+/g, '-')}.svg`);
  const tasks = config.tasks;
  const pairs = tasks.flatMap((a, i) => tasks.slice(i + 1).map((b) => [a, b] as const)).slice(0, 6);
  for (const [a, b] of pairs) {
    const svg = paretoFigure(groups, a, b);
    if (svg) writeFileSync(figures[figures.push(file(`pareto-${a.name}-${b.name}`)) - 1], svg);
  }
  for (const task of tasks) {
    const svg = lossFigure(groups, task, (run) => trainLossPoints(readRecordsSync(run.listing.runDir), task.name));
    if (svg) writeFileSync(figures[figures.push(file(`loss-${task.name}`)) - 1], svg);
  }
  const chromium = findChromium();
  let pngs = 0;
  if (chromium) {
    for (const svgFile of figures) {
      try {
        await svgFileToPng(chromium, svgFile, svgFile.replace(/\.svg$/, '.png'), FIGURE.width, FIGURE.height);
        pngs++;
      } catch (error) {
        process.stderr.write(`${(error as Error).message}\n`);
      }
    }
  }
  const pngNote = chromium ? `, ${pngs} as PNG` : ' (PNG needs a Chromium: install it or set MTL_LAB_CHROMIUM)';
  process.stderr.write(`wrote ${path.join(dir, 'study.md')}, ${path.join(dir, 'study.tex')} and ${figures.length} figures as SVG${pngNote}\n`);
}

/** A run's logged train losses of `task`, thinned to at most 1000 points (a figure is a few hundred pixels wide). */
function trainLossPoints(records: readonly MetricRecord[], task: string): Points | undefined {
  const train = records.filter((r): r is Extract<MetricRecord, { kind: 'train' }> => r.kind === 'train' && Number.isFinite(r.losses[task]));
  if (train.length === 0) return undefined;
  const every = Math.ceil(train.length / 1000);
  const kept = train.filter((_, i) => i % every === 0 || i === train.length - 1);
  return { steps: kept.map((r) => r.step), times: kept.map((r) => r.time), values: kept.map((r) => r.losses[task]) };
}
