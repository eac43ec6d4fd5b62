/**
 * Dashboard benchmark (`npm run bench:dashboard`): the three numbers the dashboard issue asks for,
 * measured with the built bundle in headless Chromium (software rendering), and written to the
 * "Dashboard" section of BENCHMARKS.md.
 *   1. Host memory of a 1 000 000-step run: what RunSeriesStore holds (bounded by design).
 *   2. First render of a 20-run × 100 000-step × 3-task comparison, from the `init` message arriving in
 *      the page to the visible charts drawn.
 *   3. A live append of 100 records to a single-run dashboard with 5 charts on screen.
 */
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RunSeriesStore, newRunCursor } from '../src/extension/dashboard/runSeries';
import { defaultDashboardState } from '../src/webview/protocol';
import { TASKS, comparisonScenario, ingestSteps, liveScenario, loadMessage, studyScenario, timedDispatch } from './dashboardData';
import { procStatFields } from '../src/training/run/processIdentity';
import { startHarness } from '../test/dashboard/harness';

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function percentile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

// ---------------------------------------------------------------- CPU time of the browser
// The machine is shared, so wall-clock times swing with the load; the CPU time Chromium's processes
// consume for the same work does not, and approximates the wall time on an idle machine.

/** A process's parent and its CPU time in clock ticks (utime + stime: fields 4, 14 and 15 of proc(5)). */
function procStat(pid: number): { ppid: number; cpuTicks: number } | undefined {
  const fields = procStatFields(pid);
  return fields && { ppid: Number(fields[4 - 3]), cpuTicks: Number(fields[14 - 3]) + Number(fields[15 - 3]) };
}

function browserPids(marker: string): number[] {
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const root = pids.find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  });
  if (root === undefined) return [];
  const children = new Map<number, number[]>();
  for (const pid of pids) {
    const st = procStat(pid);
    if (st) children.set(st.ppid, [...(children.get(st.ppid) ?? []), pid]);
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return out;
}

const TICK_MS = 10; // getconf CLK_TCK = 100 on Linux
function browserCpuMs(marker: string): number {
  return browserPids(marker).reduce((sum, pid) => sum + (procStat(pid)?.cpuTicks ?? 0), 0) * TICK_MS;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

// ---------------------------------------------------------------- 1. host memory of a 1 000 000-step run

function hostMemory() {
  gc();
  const before = process.memoryUsage().heapUsed;
  const store = new RunSeriesStore('million', 2000, TASKS);
  const t0 = performance.now();
  ingestSteps(store, 1, 1, 1_000_000);
  const ingestMs = performance.now() - t0;
  gc();
  const after = process.memoryUsage().heapUsed;
  const held = store.heldPoints();
  const cursor = newRunCursor();
  const init = store.deltas(cursor);
  const initBytes = JSON.stringify(init).length;
  return { ...held, ingestMs, heapDeltaMB: (after - before) / 1e6, gcAvailable: typeof (globalThis as { gc?: unknown }).gc === 'function', initBytes, keep: store };
}

// ---------------------------------------------------------------- main-thread tasks from a Chromium trace

const TRACE_CATEGORIES = ['devtools.timeline', 'blink.user_timing'];

function parseTrace(buffer: Buffer): TraceEvent[] {
  return (JSON.parse(buffer.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
}

interface TraceEvent { name: string; cat: string; ph: string; ts: number; dur?: number; pid: number; tid: number; args?: { name?: string } }

/**
 * The page's main-thread tasks inside each marked window: their total (main-thread time the work cost:
 * script, style, layout, paint, and the commit of the canvases to the compositor) and the longest one (a
 * frame cannot be shown while a task runs, so this bounds the frame the work delayed most).
 */
function mainThreadWindows(events: TraceEvent[], marks: string[]): { busy: number; longest: number }[] {
  const markTs = new Map<string, number>();
  let pageThread: string | undefined;
  for (const e of events) {
    if (e.cat.includes('blink.user_timing') && (e.ph === 'R' || e.ph === 'I' || e.ph === 'n' || e.ph === 'b' || e.ph === 'e')) {
      markTs.set(e.name, e.ts);
      pageThread ??= `${e.pid}:${e.tid}`;
    }
  }
  if (pageThread === undefined) throw new Error('no User Timing marks in the trace');
  // Top-level tasks: complete events on the page's main thread not nested in another one.
  const tasks = events.filter((e) => e.ph === 'X' && e.dur !== undefined && `${e.pid}:${e.tid}` === pageThread).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const top: TraceEvent[] = [];
  let end = -Infinity;
  for (const t of tasks) {
    if (t.ts >= end) {
      top.push(t);
      end = t.ts + t.dur!;
    }
  }
  return marks.map((m) => {
    const from = markTs.get(`${m}:start`);
    const to = markTs.get(`${m}:end`);
    if (from === undefined || to === undefined) throw new Error(`mark ${m} missing from the trace`);
    const inside = top.filter((t) => t.ts + t.dur! > from && t.ts < to);
    return { busy: inside.reduce((s, t) => s + t.dur!, 0) / 1000, longest: Math.max(0, ...inside.map((t) => t.dur!)) / 1000 };
  });
}

async function main() {
  const memory = hostMemory();
  console.log(`1M-step run: ${memory.series} series, ${memory.points} points held, ${memory.snapshots} snapshots; ingest ${(memory.ingestMs / 1000).toFixed(1)} s; heap Δ ${memory.heapDeltaMB.toFixed(1)} MB; init ${(memory.initBytes / 1e6).toFixed(2)} MB JSON`);

  const marker = `--mtl-bench=${randomUUID()}`;
  const harness = await startHarness([marker]);
  const version = harness.browser.version();
  try {
    // ------------------------------------------------------------ 2. first render, 20 runs × 100 000 steps
    const { runIds, init, buildMs } = comparisonScenario();
    const points = init.series.reduce((s, d) => s + d.points.steps.length + d.tail.steps.length, 0);
    const firstRender: number[] = [];
    const firstSettled: number[] = [];
    const firstRenderCpu: number[] = [];
    const firstRenderBusy: number[] = [];
    const firstRenderLongest: number[] = [];
    let firstInfo = { drawMs: 0, charts: 0 };
    for (let i = 0; i < 3; i++) {
      const page = await harness.open({ width: 1600, height: 1200, state: { ...defaultDashboardState(runIds), collapsedCards: ['header'] } });
      await loadMessage(page, init);
      await new Promise((r) => setTimeout(r, 300));
      await harness.browser.startTracing(page, { categories: TRACE_CATEGORIES });
      const cpuBefore = browserCpuMs(marker);
      const r = await timedDispatch(page, 'first');
      firstRenderCpu.push(browserCpuMs(marker) - cpuBefore);
      const [w] = mainThreadWindows(parseTrace(await harness.browser.stopTracing()), ['first']);
      firstRenderBusy.push(w.busy);
      firstRenderLongest.push(w.longest);
      firstRender.push(r.total);
      firstSettled.push(r.settled);
      firstInfo = r;
      if (i === 0) await page.screenshot({ path: path.join('test-results/dashboard', 'bench-20-runs.png') });
      await page.close();
    }
    console.log(`20 runs × 100k steps × 3 tasks: ${init.series.length} series, ${points} points sent; first render ${firstRender.map((t) => t.toFixed(0)).join(' / ')} ms wall (message to painted), text cards filled at ${firstSettled.map((t) => t.toFixed(0)).join(' / ')} ms, main thread ${firstRenderBusy.map((t) => t.toFixed(0)).join(' / ')} ms, longest task ${firstRenderLongest.map((t) => t.toFixed(0)).join(' / ')} ms, ${firstRenderCpu.join(' / ')} ms browser CPU (${firstInfo.charts} charts drawn, ${firstInfo.drawMs.toFixed(0)} ms of it in Chart.js); host store build ${(buildMs / 1000).toFixed(1)} s`);

    // ------------------------------------------------------------ 2b. first render of a study: 25 groups × 4 seeds, bands
    const study = studyScenario();
    const studyPoints = study.init.series.reduce((s, d) => s + d.points.steps.length + d.tail.steps.length, 0);
    const studyRender: number[] = [];
    const studySettled: number[] = [];
    const studyHeap: number[] = [];
    let studyBands = 0;
    for (let i = 0; i < 3; i++) {
      const page = await harness.open({ width: 1600, height: 1200, state: { ...defaultDashboardState(study.runIds), collapsedCards: ['header'], groupView: 'std' } });
      await loadMessage(page, study.init);
      await new Promise((r) => setTimeout(r, 300));
      const r = await timedDispatch(page, 'study');
      studyRender.push(r.total);
      studySettled.push(r.settled);
      studyBands = await page.evaluate(() => (window as unknown as { mtlLabDashboard: { charts(): { drawn: { band?: unknown }[] }[] } }).mtlLabDashboard.charts().reduce((n, c) => n + c.drawn.filter((d) => d.band).length, 0));
      // The page's JavaScript heap after a full collection: what the webview holds for the whole study (its
      // Chart.js datasets, the runs' series and the bands computed from them).
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('HeapProfiler.collectGarbage');
      studyHeap.push(((await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize / 1e6);
      await cdp.detach();
      if (i === 0) await page.screenshot({ path: path.join('test-results/dashboard', 'bench-study-100-runs.png') });
      await page.close();
    }
    console.log(`study 25 groups × 4 seeds × 10k steps × 3 tasks: ${study.init.series.length} series, ${studyPoints} points sent; ${studyBands} bands drawn; first render ${studyRender.map((t) => t.toFixed(0)).join(' / ')} ms (message to painted), text cards filled at ${studySettled.map((t) => t.toFixed(0)).join(' / ')} ms; page heap ${studyHeap.map((m) => m.toFixed(1)).join(' / ')} MB`);

    // ------------------------------------------------------------ 3. live append, single run, 5 charts on screen
    const live = liveScenario();
    // 1600 × 760: the four loss charts and the task weights on screen, the validation charts below the fold.
    const page = await harness.open({ width: 1600, height: 760, state: { ...defaultDashboardState(['live']), collapsedCards: ['header'] } });
    await loadMessage(page, live.init);
    await timedDispatch(page);
    const visible = await page.evaluate(() => (window as unknown as { mtlLabDashboard: { charts(): { id: string; visible: boolean }[] } }).mtlLabDashboard.charts().filter((c) => c.visible).map((c) => c.id));
    const budgetMs = await page.evaluate(() => (window as unknown as { mtlLabDashboard: { passes(): { budgetMs: number } } }).mtlLabDashboard.passes().budgetMs);
    if (visible.length !== 5) throw new Error(`expected 5 charts on screen for the live append, got ${visible.length}: ${visible.join(', ')}`);
    await new Promise((r) => setTimeout(r, 300));
    let appendCpu = 0;
    const appendTotals: number[] = [];
    const appendDraw: number[] = [];
    const appendRedrawn: number[] = [];
    let appendPoints = 0;
    const APPENDS = 40;
    const WARM_UP = 5;
    const marks: string[] = [];
    for (let i = 0; i < APPENDS; i++) {
      if (i === WARM_UP) await harness.browser.startTracing(page, { categories: TRACE_CATEGORIES });
      const message = live.next(100);
      appendPoints += message.series.reduce((s, x) => s + x.points.steps.length + x.tail.steps.length, 0);
      await loadMessage(page, message);
      await new Promise((r) => setTimeout(r, 50));
      const cpuBefore = browserCpuMs(marker);
      const r = await timedDispatch(page, i >= WARM_UP ? `append-${i}` : '');
      if (i >= WARM_UP) {
        appendCpu += browserCpuMs(marker) - cpuBefore;
        appendTotals.push(r.total);
        appendDraw.push(r.drawMs);
        appendRedrawn.push(r.charts);
        marks.push(`append-${i}`);
      }
    }
    const appendWindows = mainThreadWindows(parseTrace(await harness.browser.stopTracing()), marks);
    await page.close();
    const measured = APPENDS - WARM_UP;
    const appendBusy = appendWindows.map((w) => w.busy);
    const appendLongest = appendWindows.map((w) => w.longest);
    console.log(`live append of 100 records (${visible.length} charts visible, ${median(appendRedrawn)} redrawn, ${Math.max(...appendRedrawn)} when validation points arrive): main thread ${median(appendBusy).toFixed(1)} ms per append (median; p95 ${percentile(appendBusy, 0.95).toFixed(1)}), longest task ${median(appendLongest).toFixed(1)} ms median, ${Math.max(...appendLongest).toFixed(1)} ms max; chart drawing ${median(appendDraw).toFixed(1)} ms; message to painted ${median(appendTotals).toFixed(1)} ms median; browser CPU ${(appendCpu / measured).toFixed(1)} ms per append (all processes); ${(appendPoints / APPENDS).toFixed(0)} points per append`);

    // ------------------------------------------------------------ BENCHMARKS.md
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
    const section = `<!-- dashboard:begin -->
## Dashboard (\`npm run bench:dashboard\`)

Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpu} (${os.cpus().length} cores, load average ${load} while measuring; the host-side build of the 20 runs' stores, plain Node work that gauges how fast this shared machine was at the time, took ${(buildMs / 1000).toFixed(1)} s — 4.9 s on a quiet moment), Node ${process.version}, headless Chromium ${version} (software rendering, \`--disable-gpu\`), Chart.js 4.6, with a Chromium trace recording. The message is parsed in the page beforehand (a webview receives it deserialised; its structured clone into the page is included). **Message to painted**: \`performance.now()\` from posting the message until every visible chart is drawn and a task queued after the last drawing pass has run (that frame painted). **Text cards filled**: until the work the first paint does not wait for has run too — the comparison table, Pareto view and diagnostics below the charts, the weights run picker's full list (src/webview/afterPaint.ts: a task after the frame that follows the last drawing pass). **Main thread**: the page's main-thread tasks from the message until the text cards are filled, summed, from the trace (script, style, layout, paint, and the commit of the canvases, which software rendering rasterises there); **longest task**: the longest of them — no frame can be shown while one runs, so it bounds the frame the work delays most. Charts are drawn in passes of at most ${budgetMs} ms (a pass starts no chart whose previous drawing time would carry it past the budget, the first excepted; the rest follow in a task of their own. Text summaries are written after the pass). **Browser CPU**: all Chromium processes, from /proc (10 ms resolution), which includes rasterisation and compositing on other threads.

| What | Target | Measured |
| --- | --- | --- |
| First render, 20 runs × 100 000 steps × 3 tasks (${init.series.length} series, ${points.toLocaleString('en')} points after host downsampling; ${firstInfo.charts} charts on screen) | < 1 s after the data arrives | message to painted ${firstRender.map((t) => `${t.toFixed(0)} ms`).join(', ')} (3 page loads), text cards below filled at ${firstSettled.map((t) => `${t.toFixed(0)} ms`).join(', ')}; main thread ${firstRenderBusy.map((t) => `${t.toFixed(0)} ms`).join(', ')}, longest task ${firstRenderLongest.map((t) => `${t.toFixed(0)} ms`).join(', ')}; browser CPU ${firstRenderCpu.map((t) => `${t} ms`).join(', ')} |
| First render of a study, 100 runs (25 seed groups × 4 seeds) × 10 000 steps × 3 tasks, each group drawn as its mean ± std band (${study.init.series.length} series, ${studyPoints.toLocaleString('en')} points; ${studyBands} bands drawn) | < 1 s; webview memory stated | message to painted ${studyRender.map((t) => `${t.toFixed(0)} ms`).join(', ')} (3 page loads), text cards below and the run picker's list filled at ${studySettled.map((t) => `${t.toFixed(0)} ms`).join(', ')}; the page's JavaScript heap after a collection ${studyHeap.map((m) => `${m.toFixed(1)} MB`).join(', ')} |
| Live append of 100 records, one run, ${visible.length} charts on screen (${(appendPoints / APPENDS).toFixed(0)} points crossed per append; ${median(appendRedrawn)} charts redrawn, ${Math.max(...appendRedrawn)} when validation points arrive) | < 16 ms per frame | longest main-thread task ${median(appendLongest).toFixed(1)} ms median, ${percentile(appendLongest, 0.95).toFixed(1)} ms p95, ${Math.max(...appendLongest).toFixed(1)} ms max (${measured} appends); main thread per append ${median(appendBusy).toFixed(1)} ms median, ${percentile(appendBusy, 0.95).toFixed(1)} ms p95; chart drawing ${median(appendDraw).toFixed(1)} ms median; message to painted ${median(appendTotals).toFixed(1)} ms median; browser CPU ${(appendCpu / measured).toFixed(1)} ms per append |
| Host memory of a 1 000 000-step run (3 tasks, eval every 1000 steps) | bounded | ${memory.series} series, ${memory.points.toLocaleString('en')} points held (≤ ${memory.series} × 2 000 by construction, ≈ ${((memory.points * 3 * 8) / 1e6).toFixed(1)} MB of numbers); heap Δ ${memory.gcAvailable ? `${memory.heapDeltaMB.toFixed(1)} MB` : 'n/a (run with --expose-gc)'}; ingest ${(memory.ingestMs / 1000).toFixed(1)} s; its \`init\` is ${(memory.initBytes / 1e6).toFixed(2)} MB of JSON |

Against the targets: study first render with bands ${median(studyRender) < 1000 ? `met (${median(studyRender).toFixed(0)} ms median)` : `**not met** (${median(studyRender).toFixed(0)} ms median)`}; first render ${median(firstRender) < 1000 ? `met (message to painted ${median(firstRender).toFixed(0)} ms median)` : `**not met** (message to painted ${median(firstRender).toFixed(0)} ms median)`}; live append ${percentile(appendLongest, 0.95) < 16 ? `met at the 95th percentile (${percentile(appendLongest, 0.95).toFixed(1)} ms); ${appendLongest.filter((t) => t >= 16).length} of ${appendLongest.length} appends had a main-thread task of 16 ms or more (longest ${Math.max(...appendLongest).toFixed(1)} ms)` : `**not met** (longest task p95 ${percentile(appendLongest, 0.95).toFixed(1)} ms)`}${median(appendBusy) < 16 ? `, and the whole append costs ${median(appendBusy).toFixed(1)} ms of main thread (median), under one frame` : `; the whole append costs ${median(appendBusy).toFixed(1)} ms of main thread (median), spread over more than one frame`}. Where the time goes (\`node --import tsx bench/profileDashboard.ts first|append\` after \`node scripts/build.mjs --no-minify\`): Chart.js's axis layout and tick labels, the series paths, the structured clone of the message, the page's first layout, and the commit of software-rasterised canvases.

The bound: each series keeps the min and max of each step bucket and doubles the bucket width when it would exceed \`mtlLab.dashboard.maxPointsPerSeries\` (2000), so it holds at most 2000 points (about 1000–2000, including a ≤ 3-point open bucket) whatever the run length; matrix snapshots are capped at 256 per kind and events at 500 per run.
<!-- dashboard:end -->
`;
    const file = path.resolve('BENCHMARKS.md');
    let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
    if (/<!-- dashboard:begin -->[\s\S]*<!-- dashboard:end -->\n?/.test(text)) text = text.replace(/<!-- dashboard:begin -->[\s\S]*<!-- dashboard:end -->\n?/, section);
    else text = `${text.trimEnd()}\n\n${section}`;
    writeFileSync(file, text);
    console.log('BENCHMARKS.md updated');
  } finally {
    await harness.close();
  }
  void memory.keep;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
