/**
 * Runs one scenario: starts the mock (load core), then nginx, the gateway set-ups and the peer (gateway core) side
 * by side, checks each with one request, warms the Node ones up, then measures all targets in turn (A B C, A B C,
 * ...) for the given number of rounds, and stops everything it started.
 */
import type { Tool } from '../proc/ensure-tool.ts';
import { peakRssKb, processTree } from '../proc/proc-stats.ts';
import type { RequestSpec, Scenario } from '../scenarios/types.ts';
import { startFloor } from '../targets/floor.ts';
import { startGateway } from '../targets/gateway.ts';
import { startMock } from '../targets/mock.ts';
import { startNginx } from '../targets/nginx.ts';
import { startPortkey, type PortkeyInstall } from '../targets/portkey.ts';
import type { Role, Running, Started } from '../targets/types.ts';
import { runLoad, type LoadContext } from './load-run.ts';
import { preflight } from './preflight.ts';
import { summarizeRuns } from './summarize-runs.ts';
import type { RunStats, ScenarioResult, TargetResult } from './types.ts';

export interface BenchContext extends LoadContext {
  gatewayCpu: number;
  nginx: Tool;
  /** null when --peers was not given. */
  portkey: PortkeyInstall | null;
  peersDir: string;
  durationS: number;
  rounds: number;
  warmupS: number;
  log: (s: string) => void;
}

interface Live {
  row: TargetResult;
  port: number;
  pid: number;
  spec: RequestSpec;
  /** Node processes get a warm-up run before the rounds. */
  warm: boolean;
  pinnedToGatewayCpu: boolean;
}

interface Pending {
  label: string;
  role: Role;
  spec: RequestSpec;
  start: Promise<Started>;
}

function fmtRun(r: RunStats, sse: boolean): string {
  const rate = sse ? `${Math.round(r.rate)} streams/s ${Math.round(r.eventsPerSec ?? 0)} ev/s` : `${Math.round(r.rate)} req/s`;
  const errs = r.non2xx + r.socketErrors + r.incomplete;
  const noise = (r.foreignCpuPct ?? 0) >= 5 ? `  (gateway core ${Math.round(r.foreignCpuPct!)}% busy with other processes)` : '';
  return `${rate}  p50 ${(r.p50Us / 1000).toFixed(2)} ms  p99 ${(r.p99Us / 1000).toFixed(2)} ms  ${r.cpuUs.toFixed(1)} µs CPU${errs ? `  ERRORS ${errs}` : ''}${noise}`;
}

/** A start that throws becomes a skipped row, so nothing already started is lost track of. */
function safe(p: Promise<Started>): Promise<Started> {
  return p.catch((err: Error) => ({ ok: false, reason: err.message }));
}

function pendingTargets(s: Scenario, ctx: BenchContext, mockPort: number): Pending[] {
  const mockUrl = `http://127.0.0.1:${mockPort}`;
  const out: Pending[] = [
    {
      label: 'nginx',
      role: 'nginx',
      spec: s.direct,
      start: ctx.nginx.ok
        ? safe(startNginx({ nginx: ctx.nginx.path, cpu: ctx.gatewayCpu, tmpDir: ctx.tmpDir, name: s.name, upstreamPort: mockPort, buffering: s.load.kind !== 'sse' }))
        : Promise.resolve({ ok: false, reason: ctx.nginx.reason }),
    },
    ...(s.floor
      ? [{ label: 'floor (uWS + undici)', role: 'floor' as const, spec: s.direct,
        start: safe(startFloor({ cpu: ctx.gatewayCpu, cwd: ctx.repoRoot, upstreamPort: mockPort })) }]
      : []),
    ...s.gateways.map((g, i) => ({
      label: g.label,
      role: 'gateway' as const,
      spec: g.request,
      start: safe(startGateway({ repoRoot: ctx.repoRoot, cpu: ctx.gatewayCpu, tmpDir: ctx.tmpDir, name: `${s.name}-${i}`, config: g.config(mockUrl), env: g.env })),
    })),
  ];
  if (ctx.portkey && s.peer) {
    out.push({
      label: s.peer.label,
      role: 'peer',
      spec: s.peer.request(mockUrl),
      start: ctx.portkey.ok
        ? safe(startPortkey({ entry: ctx.portkey.entry, cpu: ctx.gatewayCpu, peersDir: ctx.peersDir }))
        : Promise.resolve({ ok: false, reason: ctx.portkey.reason }),
    });
  }
  return out;
}

export async function runScenario(s: Scenario, ctx: BenchContext): Promise<ScenarioResult> {
  const durationS = Math.max(ctx.durationS, s.minDurationS ?? 0);
  const result: ScenarioResult = { name: s.name, title: s.name, load: s.load, durationS, rounds: ctx.rounds, rows: [] };
  const stops: Running[] = [];
  const live: Live[] = [];
  const log = (t: string): void => ctx.log(`[${s.name}] ${t}`);
  try {
    const mock = await startMock({ cpu: ctx.loadCpu, cwd: ctx.repoRoot, ...s.mock });
    stops.push(mock);
    result.rows.push({ label: 'direct', role: 'direct', runs: [] });
    live.push({ row: result.rows[0], port: mock.port, pid: mock.pid, spec: s.direct, warm: true, pinnedToGatewayCpu: false });

    const pending = pendingTargets(s, ctx, mock.port);
    const started = await Promise.all(pending.map((p) => p.start));
    for (const [i, p] of pending.entries()) {
      const row: TargetResult = { label: p.label, role: p.role, runs: [] };
      result.rows.push(row);
      const st = started[i];
      if (!st.ok) {
        row.skipped = st.reason;
        log(`${row.label}: skipped: ${st.reason}`);
        continue;
      }
      stops.push(st);
      live.push({ row, port: st.port, pid: st.pid, spec: p.spec, warm: p.role !== 'nginx', pinnedToGatewayCpu: true });
    }

    for (const t of live) {
      const p = await preflight(t.port, t.spec);
      t.row.preflight = p.text;
      t.row.preflightOk = p.ok;
      log(`${t.row.label}: preflight ${p.ok ? 'ok' : 'FAILED'}: ${p.text}`);
    }
    const sse = s.load.kind === 'sse';
    for (const t of live) {
      if (t.warm && ctx.warmupS > 0) await runLoad(ctx, s.load, t, t.spec, ctx.warmupS);
    }
    for (let round = 1; round <= ctx.rounds; round++) {
      for (const t of live) {
        const r = await runLoad(ctx, s.load, t, t.spec, durationS);
        t.row.runs.push(r);
        log(`round ${round}/${ctx.rounds} ${t.row.label.padEnd(28)} ${fmtRun(r, sse)}`);
      }
    }
    for (const t of live) {
      t.row.median = summarizeRuns(t.row.runs);
      t.row.peakRssMb = peakRssKb(processTree(t.pid)) / 1024;
      const m = t.row.median;
      if (m && m.non2xx > 0 && !m.firstError) {
        // wrk counts non-2xx answers but does not keep them: ask once more to show what they were.
        const p = await preflight(t.port, t.spec);
        m.firstError = `after the runs one request got ${p.text}`;
      }
    }
  } catch (err) {
    result.error = (err as Error).stack ?? String(err);
    log(`ERROR: ${(err as Error).message}`);
  } finally {
    await Promise.all(stops.reverse().map((r) => r.stop()));
  }
  return result;
}
