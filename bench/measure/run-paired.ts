/**
 * Runs a paired scenario: the mock (also the OTLP collector) on the load core, the two gateways of every pair on
 * the gateway core, then for each round and pair the two gateways under load at the same time, each from its own wrk
 * (load core), and each one's CPU per request over that run. Two gateways measured at the same moment on the same
 * core share whatever the machine does then (host steal, frequency changes, a neighbour's burst), so the ratio of
 * their CPU per request keeps the difference between them and loses the drift that makes sequential runs of one
 * gateway after another differ by tens of per cent on a shared VM. Everything started is stopped on the way out
 * (the processes are also killed by bench/proc/children.ts when the bench exits any other way).
 */
import { performance } from 'node:perf_hooks';
import { runWrk, type WrkRun } from '../load/wrk.ts';
import type { CpuClocks } from '../proc/cpu-clock.ts';
import { cpuBusySeconds } from '../proc/proc-stats.ts';
import { cpuSample, gatewayClocks } from './cpu-sample.ts';
import type { GatewaySpec, PairedScenario, RequestSpec } from '../scenarios/types.ts';
import { startGateway } from '../targets/gateway.ts';
import { startMock } from '../targets/mock.ts';
import type { Running } from '../targets/types.ts';
import { bodyFile } from './load-run.ts';
import { pairedSchedule } from './paired-schedule.ts';
import { median, percent, roundRatio, spread } from './paired-stats.ts';
import { preflight } from './preflight.ts';
import type { PairedResult, PairedRound, PairedRow, PairedSide } from './types.ts';

export interface PairedContext {
  wrk: string;
  loadCpu: number;
  gatewayCpu: number;
  tmpDir: string;
  repoRoot: string;
  rounds: number;
  durationS: number;
  warmupS: number;
  log: (s: string) => void;
}

interface LiveGateway {
  spec: GatewaySpec;
  running: Running;
}

function side(label: string, before: CpuClocks, after: CpuClocks, w: WrkRun): PairedSide {
  return { label, ...cpuSample(before, after, w) };
}

/** Both gateways under load at once; `first`'s wrk is spawned first (runWrk spawns before its first await). */
async function runPair(ctx: PairedContext, connections: number, a: LiveGateway, b: LiveGateway, first: 'a' | 'b', durationS: number): Promise<Omit<PairedRound, 'round'>> {
  const load = (g: LiveGateway): Promise<WrkRun> => {
    const spec: RequestSpec = g.spec.request;
    return runWrk({
      wrk: ctx.wrk,
      url: `http://127.0.0.1:${g.running.port}${spec.path}`,
      method: spec.method,
      bodyFile: spec.body === undefined ? undefined : bodyFile(ctx.tmpDir, spec.body),
      headers: spec.headers,
      connections,
      durationS,
      cpu: ctx.loadCpu,
    });
  };
  const busy0 = cpuBusySeconds(ctx.gatewayCpu);
  const [a0, b0] = [gatewayClocks(a.running.pid), gatewayClocks(b.running.pid)];
  const t0 = performance.now();
  let pa: Promise<WrkRun>;
  let pb: Promise<WrkRun>;
  if (first === 'a') [pa, pb] = [load(a), load(b)];
  else [pb, pa] = [load(b), load(a)];
  const [wa, wb] = await Promise.all([pa, pb]); // both awaited together: a failing wrk is not an unhandled rejection
  const wallS = (performance.now() - t0) / 1000;
  const [a1, b1] = [gatewayClocks(a.running.pid), gatewayClocks(b.running.pid)];
  const busy1 = cpuBusySeconds(ctx.gatewayCpu);
  const sa = side(a.spec.label, a0, a1, wa);
  const sb = side(b.spec.label, b0, b1, wb);
  const foreign = busy1 - busy0 - sa.cpuTicksS - sb.cpuTicksS;
  return {
    first,
    wallS,
    a: sa,
    b: sb,
    ratio: roundRatio(sa.cpuUs, sb.cpuUs),
    ratioTicks: roundRatio(sa.cpuUsTicks, sb.cpuUsTicks),
    foreignCpuPct: Math.max(0, (100 * foreign) / wallS),
  };
}

function summarize(row: PairedRow): void {
  const r = row.rounds;
  row.ratio = spread(r.map((x) => x.ratio));
  row.ratioTicksMedian = median(r.map((x) => x.ratioTicks));
  row.requestsRatioMedian = median(r.map((x) => (x.a.requests > 0 ? x.b.requests / x.a.requests : NaN)));
  row.aUs = median(r.map((x) => x.a.cpuUs));
  row.bUs = median(r.map((x) => x.b.cpuUs));
  row.roundWallS = median(r.map((x) => x.wallS));
  row.foreignCpuPctMedian = median(r.map((x) => x.foreignCpuPct));
  row.errors = r.reduce((n, x) => n + x.a.non2xx + x.a.socketErrors + x.b.non2xx + x.b.socketErrors, 0);
}

export async function runPaired(s: PairedScenario, ctx: PairedContext): Promise<PairedResult> {
  const started = performance.now();
  const result: PairedResult = { name: s.name, title: s.title, connectionsPerSide: s.connectionsPerSide, durationS: ctx.durationS,
    warmupS: ctx.warmupS, rounds: ctx.rounds, rows: s.pairs.map((p) => ({ label: p.label, a: p.a.label, b: p.b.label, rounds: [], errors: 0 })), goal: s.goal, elapsedS: 0 };
  const log = (t: string): void => ctx.log(`[${s.name}] ${t}`);
  const stops: Running[] = [];
  try {
    const mock = await startMock({ cpu: ctx.loadCpu, cwd: ctx.repoRoot, chunks: 20, gapMs: 0 });
    stops.push(mock);
    const mockUrl = `http://127.0.0.1:${mock.port}`;
    // One after another: they would otherwise compete for the core while loading, and the first start may build the bundle.
    const start = async (g: GatewaySpec, id: string): Promise<LiveGateway | string> => {
      const st = await startGateway({ repoRoot: ctx.repoRoot, cpu: ctx.gatewayCpu, tmpDir: ctx.tmpDir, name: `${s.name}-${id}`, config: g.config(mockUrl), env: g.env });
      if (!st.ok) return st.reason;
      stops.push(st);
      const p = await preflight(st.port, g.request);
      log(`${g.label} (pair ${id}): preflight ${p.ok ? 'ok' : 'FAILED'}: ${p.text}`);
      return p.ok ? { spec: g, running: st } : `preflight failed: ${p.text}`;
    };
    const pairs: ({ row: PairedRow; a: LiveGateway; b: LiveGateway } | null)[] = [];
    for (const [i, p] of s.pairs.entries()) {
      const row = result.rows[i]!;
      const [a, b] = [await start(p.a, `${i}a`), await start(p.b, `${i}b`)];
      if (typeof a === 'object' && typeof b === 'object') {
        pairs.push({ row, a, b });
        continue;
      }
      row.skipped = [[p.a.label, a], [p.b.label, b]].filter(([, x]) => typeof x === 'string').map(([l, x]) => `${l}: ${x}`).join('; ');
      log(`${row.label}: skipped: ${row.skipped}`);
      pairs.push(null);
    }
    if (ctx.warmupS > 0) {
      for (const p of pairs) if (p) await runPair(ctx, s.connectionsPerSide, p.a, p.b, 'a', ctx.warmupS);
    }
    for (const run of pairedSchedule(ctx.rounds, pairs.length)) {
      const p = pairs[run.pair];
      if (!p) continue;
      const r: PairedRound = { round: run.round + 1, ...(await runPair(ctx, s.connectionsPerSide, p.a, p.b, run.first, ctx.durationS)) };
      p.row.rounds.push(r);
      const errs = r.a.non2xx + r.a.socketErrors + r.b.non2xx + r.b.socketErrors;
      const ended = r.a.threadsEnded + r.b.threadsEnded;
      log(`round ${r.round}/${ctx.rounds} ${p.row.label.padEnd(28)} ${r.a.cpuUs.toFixed(1)} vs ${r.b.cpuUs.toFixed(1)} µs/req ` +
        `(${r.a.requests} + ${r.b.requests} req, ${r.first} first) ratio ${r.ratio.toFixed(3)} ticks ${r.ratioTicks.toFixed(3)} ` +
        `${r.wallS.toFixed(1)} s${errs ? `  ERRORS ${errs}` : ''}${ended ? `  (${ended} threads ended: ns undercounted, see ticks)` : ''}${r.foreignCpuPct >= 5 ? `  (gateway core ${Math.round(r.foreignCpuPct)}% busy with others)` : ''}`);
    }
    for (const p of pairs) {
      if (!p) continue;
      summarize(p.row);
      log(`${p.row.label}: median ${percent(p.row.ratio!.median)} (IQR ${percent(p.row.ratio!.q1)} … ${percent(p.row.ratio!.q3)}, ${p.row.ratio!.n} rounds)`);
    }
  } catch (err) {
    result.error = (err as Error).stack ?? String(err);
    log(`ERROR: ${(err as Error).message}`);
  } finally {
    await Promise.all(stops.reverse().map((r) => r.stop()));
    result.elapsedS = Math.round((performance.now() - started) / 1000);
  }
  return result;
}
