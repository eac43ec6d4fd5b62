/**
 * Where the dashboard's time goes (`node --import tsx bench/profileDashboard.ts [first|study|append]`): the same
 * scenarios as bench/dashboard.ts, under Chromium's sampling CPU profiler, printed as self time per
 * function. A development aid for the benchmark's numbers; it writes nothing.
 */
import type { Page, CDPSession } from 'playwright-core';
import type { AppendMessage } from '../src/webview/protocol';
import { defaultDashboardState } from '../src/webview/protocol';
import { startHarness } from '../test/dashboard/harness';
import { comparisonScenario, liveScenario, loadMessage, studyScenario, timedDispatch } from './dashboardData';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** Chromium's timeline events of the page's main thread during `run`, summed by name (self time). */
async function traced(page: Page, run: () => Promise<void>): Promise<void> {
  const browser = page.context().browser()!;
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8'] });
  await run();
  const buffer = await browser.stopTracing();
  const events = (JSON.parse(buffer.toString()) as { traceEvents: { name: string; ph: string; dur?: number; ts: number; tid: number; pid: number; args?: { name?: string } }[] }).traceEvents;
  const threadNames = new Map<string, string>();
  for (const e of events) if (e.name === 'thread_name') threadNames.set(`${e.pid}:${e.tid}`, String(e.args?.name));
  const complete = events.filter((e) => e.ph === 'X' && e.dur !== undefined);
  // Self time per (thread, event name): an event's duration minus its direct children's on the same thread.
  const byThread = new Map<string, typeof complete>();
  for (const e of complete) byThread.set(`${e.pid}:${e.tid}`, [...(byThread.get(`${e.pid}:${e.tid}`) ?? []), e]);
  const totals = new Map<string, number>();
  for (const [thread, list] of byThread) {
    list.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    const stack: { end: number; name: string; self: number }[] = [];
    const close = (until: number) => {
      while (stack.length > 0 && stack[stack.length - 1].end <= until) {
        const done = stack.pop()!;
        const key = `${threadNames.get(thread) ?? thread} · ${done.name}`;
        totals.set(key, (totals.get(key) ?? 0) + done.self / 1000);
      }
    };
    for (const e of list) {
      close(e.ts);
      if (stack.length > 0) stack[stack.length - 1].self -= e.dur!;
      stack.push({ end: e.ts + e.dur!, name: e.name, self: e.dur! });
    }
    close(Infinity);
  }
  for (const [k, v] of [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40)) if (v >= 2) console.log(`  ${v.toFixed(1).padStart(8)} ms  ${k}`);
  // The renderer main thread's top-level tasks over time (TRACE_TIMELINE=1): where the wall time goes.
  if (process.env.TRACE_TIMELINE) {
    const main = [...byThread.entries()].find(([t]) => threadNames.get(t) === 'CrRendererMain' && (byThread.get(t)?.length ?? 0) > 50);
    if (!main) return;
    const list = main[1];
    const top: typeof list = [];
    let end = -Infinity;
    for (const e of list) {
      if (e.ts < end) continue;
      top.push(e);
      end = e.ts + e.dur!;
    }
    const busy = top.filter((e) => e.dur! > 1000);
    const t0 = busy[0]?.ts ?? 0;
    for (const e of busy) {
      const kids = list.filter((k) => k !== e && k.ts >= e.ts && k.ts + k.dur! <= e.ts + e.dur!);
      const byName = new Map<string, number>();
      for (const k of kids) byName.set(k.name, (byName.get(k.name) ?? 0) + k.dur!);
      const summary = [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([n, d]) => `${n} ${(d / 1000).toFixed(0)}`).join(', ');
      console.log(`  +${((e.ts - t0) / 1000).toFixed(0).padStart(5)} ms  ${(e.dur! / 1000).toFixed(1).padStart(6)} ms  ${e.name}: ${summary}`);
    }
  }
}

async function profiled(session: CDPSession, run: () => Promise<void>): Promise<Profile> {
  await session.send('Profiler.enable');
  await session.send('Profiler.setSamplingInterval', { interval: 100 });
  await session.send('Profiler.start');
  await run();
  const { profile } = (await session.send('Profiler.stop')) as unknown as { profile: Profile };
  return profile;
}

function report(profile: Profile, top = 30): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const f = n.callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
    if (f.functionName === '(idle)') return;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  console.log(`  busy ${total.toFixed(1)} ms`);
  // Inclusive time: every distinct frame on the sampled stack is credited once.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    if (byId.get(id)!.callFrame.functionName === '(idle)') return;
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const f = byId.get(n)!.callFrame;
      const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  });
  console.log('  inclusive:');
  for (const [k, v] of [...inclusive.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${v.toFixed(1).padStart(8)} ms  ${k}`);
  // The call tree under a chosen function (PROFILE_ROOT=name), to a few levels.
  const rootName = process.env.PROFILE_ROOT;
  if (rootName) {
    const nodeSelf = new Map<number, number>();
    profile.samples.forEach((id, i) => nodeSelf.set(id, (nodeSelf.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
    const total = (id: number): number => (nodeSelf.get(id) ?? 0) + (byId.get(id)!.children ?? []).reduce((s, c) => s + total(c), 0);
    const collect = (ids: number[], depth: number, prefix: string) => {
      const groups = new Map<string, { ms: number; kids: number[] }>();
      for (const id of ids) {
        const f = byId.get(id)!.callFrame;
        const key = `${f.functionName || '(anon)'}:${f.lineNumber + 1}`;
        const g = groups.get(key) ?? { ms: 0, kids: [] };
        g.ms += total(id);
        g.kids.push(...(byId.get(id)!.children ?? []));
        groups.set(key, g);
      }
      for (const [k, g] of [...groups.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
        if (g.ms < 3) continue;
        console.log(`  ${prefix}${g.ms.toFixed(1)} ms ${k}`);
        if (depth < Number(process.env.PROFILE_DEPTH ?? 4)) collect(g.kids, depth + 1, prefix + '  ');
      }
    };
    // PROFILE_ROOT is a function name, or name:line ("(anon):1234" for an anonymous function).
    const matches = (n: ProfileNode) => {
      const name = n.callFrame.functionName || '(anon)';
      return rootName.includes(':') ? `${name}:${n.callFrame.lineNumber + 1}` === rootName : name === rootName;
    };
    const roots = profile.nodes.filter((n) => matches(n) && !(parent.has(n.id) && matches(byId.get(parent.get(n.id)!)!))).map((n) => n.id);
    collect(roots, 0, '');
  }
  console.log('  self:');
  for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${v.toFixed(1).padStart(8)} ms  ${k}`);
}

async function main() {
  const which = process.argv[2] ?? 'first';
  const harness = await startHarness();
  try {
    if (which === 'first' || which === 'study') {
      const { runIds, init } = which === 'study' ? studyScenario() : comparisonScenario();
      const groupView = which === 'study' ? 'std' : 'runs';
      const page = await harness.open({ width: 1600, height: 1200, state: { ...defaultDashboardState(runIds), collapsedCards: ['header'], groupView } });
      await loadMessage(page, init);
      await new Promise((r) => setTimeout(r, 300));
      let wall = 0;
      if (process.argv.includes('--trace')) {
        await traced(page, async () => void (wall = (await timedDispatch(page)).total));
        console.log(`first render: ${wall.toFixed(0)} ms wall`);
        return;
      }
      const session = await page.context().newCDPSession(page);
      const profile = await profiled(session, async () => void (wall = (await timedDispatch(page)).total));
      console.log(`first render: ${wall.toFixed(0)} ms wall`);
      report(profile, 40);
    } else {
      const live = liveScenario();
      const height = Number(process.argv[3] ?? 1400);
      const page = await harness.open({ width: 1600, height, state: { ...defaultDashboardState(['live']), collapsedCards: ['header'] } });
      await loadMessage(page, live.init);
      await timedDispatch(page);
      const walls: number[] = [];
      const messages: AppendMessage[] = [];
      for (let i = 0; i < 20; i++) messages.push(live.next(100));
      const all = async () => {
        for (const m of messages) {
          await loadMessage(page, m);
          await new Promise((r) => setTimeout(r, 30));
          walls.push((await timedDispatch(page)).total);
        }
      };
      if (process.argv.includes('--trace')) {
        await traced(page, all);
        walls.sort((a, b) => a - b);
        console.log(`append ×20: median ${walls[10].toFixed(1)} ms wall`);
        return;
      }
      const session = await page.context().newCDPSession(page);
      const profile = await profiled(session, all);
      walls.sort((a, b) => a - b);
      console.log(`append ×20: median ${walls[10].toFixed(1)} ms wall`);
      report(profile, 40);
    }
  } finally {
    await harness.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
