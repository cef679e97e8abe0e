/**
 * Runs an alone scenario: the mock (also the OTLP collector) on the load core, ONE gateway on the gateway core,
 * started once on config a; then windows a b a a2 a b … a (alone-schedule.ts), each one: its config swapped in with
 * `POST /config` (answered once it serves), `settleS` of load whose figures are dropped, then `durationS` of wrk
 * load at c=`connections` over which the gateway's CPU (scheduler run time of all its threads, as run-paired reads
 * it) is divided by the requests wrk counted. A b or a2 window's figure ÷ the mean of its two a neighbours' is its
 * ratio (neighbour-ratios.ts).
 *
 * Unlike run-paired, the gateway has its core to itself, as in production: no twin evicts its caches between two
 * of its time slices. The drift of the machine is cancelled by time instead of by company: neighbours are seconds
 * apart and a linear drift over three windows cancels exactly.
 *
 * The settle runs under load because the first requests on a new config pay one-off work (per-config caches filled
 * at first use, code paths of the plugins just switched on or off re-optimized, the old config's garbage), which the
 * measured part should not see; an idle pause would only postpone it into the measure.
 *
 * Everything started is stopped on the way out, whatever the way (the processes are also killed by
 * bench/proc/children.ts when the bench exits any other way).
 */
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { runWrk, type WrkOptions, type WrkRun } from '../load/wrk.ts';
import type { CpuClocks } from '../proc/cpu-clock.ts';
import { cpuBusySeconds } from '../proc/proc-stats.ts';
import { cpuSample, gatewayClocks } from './cpu-sample.ts';
import type { AloneScenario } from '../scenarios/types.ts';
import { startGateway, type GatewayOptions } from '../targets/gateway.ts';
import { startMock } from '../targets/mock.ts';
import type { Running, Started } from '../targets/types.ts';
import { aloneSchedule, type AloneKind } from './alone-schedule.ts';
import { summarizeAlone } from './alone-summary.ts';
import { applyConfig } from './apply-config.ts';
import { bodyFile } from './load-run.ts';
import { percent } from './paired-stats.ts';
import { preflight } from './preflight.ts';
import type { AloneResult, AloneWindow } from './types.ts';

export interface AloneContext {
  wrk: string;
  loadCpu: number;
  gatewayCpu: number;
  tmpDir: string;
  repoRoot: string;
  /** Windows per series, measured seconds per window, warm-up seconds. */
  pairs: number;
  durationS: number;
  warmupS: number;
  log: (s: string) => void;
}

/** What the runner starts and reads, replaceable in tests (spec/bench/run-alone.test.ts). */
export interface AloneDeps {
  startMock: (o: Parameters<typeof startMock>[0]) => Promise<Running>;
  startGateway: (o: GatewayOptions) => Promise<Started>;
  preflight: typeof preflight;
  applyConfig: typeof applyConfig;
  runWrk: (o: WrkOptions) => Promise<WrkRun>;
  clocks: (pid: number) => CpuClocks;
  busySeconds: (cpu: number) => number;
}

export const REAL_DEPS: AloneDeps = {
  startMock,
  startGateway,
  preflight,
  applyConfig,
  runWrk,
  clocks: gatewayClocks,
  busySeconds: cpuBusySeconds,
};

/** One window's figures from the clocks around its measured part and wrk's report of it. */
export function aloneWindow(index: number, kind: AloneKind, applyMs: number, before: CpuClocks, after: CpuClocks, w: WrkRun, wallS: number, coreBusyS: number): AloneWindow {
  const sample = cpuSample(before, after, w);
  // a window with failed answers has no CPU per served request: its figure (and the ratios it is part of) is left out
  if (sample.non2xx + sample.socketErrors > 0) sample.cpuUs = sample.cpuUsTicks = NaN;
  return {
    index, kind, applyMs, ...sample,
    wallS,
    foreignCpuPct: wallS > 0 ? Math.max(0, (100 * (coreBusyS - sample.cpuTicksS)) / wallS) : 0,
  };
}

export async function runAlone(s: AloneScenario, ctx: AloneContext, deps: AloneDeps = REAL_DEPS): Promise<AloneResult> {
  const started = performance.now();
  const result: AloneResult = { name: s.name, title: s.title, connections: s.connections, durationS: ctx.durationS, settleS: s.settleS,
    warmupS: ctx.warmupS, pairs: ctx.pairs, labels: s.labels, windows: [], rows: [], goal: s.goal, elapsedS: 0 };
  const log = (t: string): void => ctx.log(`[${s.name}] ${t}`);
  const stops: Running[] = [];
  try {
    const mock = await deps.startMock({ cpu: ctx.loadCpu, cwd: ctx.repoRoot, chunks: 20, gapMs: 0 });
    stops.push(mock);
    const mockUrl = `http://127.0.0.1:${mock.port}`;
    const texts: Record<AloneKind, string> = { a: stringify(s.configs.a(mockUrl)), b: stringify(s.configs.b(mockUrl)), a2: stringify(s.configs.a2(mockUrl)) };
    const st = await deps.startGateway({ repoRoot: ctx.repoRoot, cpu: ctx.gatewayCpu, tmpDir: ctx.tmpDir, name: s.name, config: s.configs.a(mockUrl), env: s.env });
    if (!st.ok) {
      result.skipped = st.reason;
      log(`skipped: ${st.reason}`);
      return result;
    }
    stops.push(st);
    if (st.adminPort === undefined) throw new Error('the gateway reported no Admin API port');
    const adminPort = st.adminPort;
    const p = await deps.preflight(st.port, s.request);
    log(`preflight ${p.ok ? 'ok' : 'FAILED'}: ${p.text}`);
    if (!p.ok) {
      result.skipped = `preflight failed: ${p.text}`;
      return result;
    }
    const load = (durationS: number): Promise<WrkRun> => deps.runWrk({
      wrk: ctx.wrk,
      url: `http://127.0.0.1:${st.port}${s.request.path}`,
      method: s.request.method,
      bodyFile: s.request.body === undefined ? undefined : bodyFile(ctx.tmpDir, s.request.body),
      headers: s.request.headers,
      connections: s.connections,
      durationS,
      cpu: ctx.loadCpu,
    });
    // every config once under load before the first measure, ending on a as the first window does
    const warm = Math.max(1, Math.round(ctx.warmupS / 3));
    if (ctx.warmupS > 0) {
      for (const kind of ['b', 'a2', 'a'] as const) {
        await deps.applyConfig(adminPort, texts[kind]);
        await load(warm);
      }
    }
    for (const [i, kind] of aloneSchedule(ctx.pairs).entries()) {
      const applyMs = await deps.applyConfig(adminPort, texts[kind]);
      if (s.settleS > 0) await load(s.settleS);
      const busy0 = deps.busySeconds(ctx.gatewayCpu);
      const c0 = deps.clocks(st.pid);
      const t0 = performance.now();
      const w = await load(ctx.durationS);
      const wallS = (performance.now() - t0) / 1000;
      const c1 = deps.clocks(st.pid);
      const win = aloneWindow(i + 1, kind, applyMs, c0, c1, w, wallS, deps.busySeconds(ctx.gatewayCpu) - busy0);
      result.windows.push(win);
      const errs = win.non2xx + win.socketErrors;
      log(`window ${win.index}/${ctx.pairs * 4 + 1} ${kind.padEnd(2)} ${win.cpuUs.toFixed(1)} µs/req (${win.requests} req, reload ${applyMs.toFixed(0)} ms)` +
        `${errs ? `  ERRORS ${errs}` : ''}${win.threadsEnded ? `  (${win.threadsEnded} threads ended: ns undercounted, see ticks)` : ''}` +
        `${win.foreignCpuPct >= 5 ? `  (gateway core ${Math.round(win.foreignCpuPct)}% busy with others)` : ''}`);
    }
  } catch (err) {
    result.error = (err as Error).stack ?? String(err);
    log(`ERROR: ${(err as Error).message}`);
  } finally {
    await Promise.all(stops.reverse().map((r) => r.stop()));
    result.rows = summarizeAlone(result.windows, s.labels); // also what a run cut short by an error measured
    if (result.windows.length > 0) {
      for (const r of result.rows) log(`${r.label}: median ${percent(r.ratio.median)} (IQR ${percent(r.ratio.q1)} … ${percent(r.ratio.q3)}, ${r.ratio.n} windows)`);
    }
    result.elapsedS = Math.round((performance.now() - started) / 1000);
  }
  return result;
}
