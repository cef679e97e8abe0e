/**
 * One measured run against one target: wrk (http) or the SSE client, both on the load core, with the target's CPU
 * read from /proc before and after.
 */
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SseClientProcess } from '../load/sse-client-process.ts';
import { runWrk } from '../load/wrk.ts';
import { cpuBusySeconds, cpuSeconds, processTree } from '../proc/proc-stats.ts';
import type { Load, RequestSpec } from '../scenarios/types.ts';
import type { RunStats } from './types.ts';

export interface LoadContext {
  wrk: string;
  loadCpu: number;
  /** The core the targets run on; its busy time not spent by the target is reported as foreign load. */
  gatewayCpu: number;
  tmpDir: string;
  repoRoot: string;
  sse: SseClientProcess;
}

/** The request body as a file wrk's post.lua reads, one per distinct body. */
export function bodyFile(tmpDir: string, body: string): string {
  const file = join(tmpDir, `body-${createHash('sha1').update(body).digest('hex').slice(0, 12)}.json`);
  if (!existsSync(file)) writeFileSync(file, body);
  return file;
}

/** `target.pinnedToGatewayCpu`: the target runs on the gateway core (all but the direct mock). */
export async function runLoad(ctx: LoadContext, load: Load, target: { port: number; pid: number; pinnedToGatewayCpu: boolean }, spec: RequestSpec, durationS: number): Promise<RunStats> {
  const busyBefore = cpuBusySeconds(ctx.gatewayCpu);
  const wallBefore = performance.now();
  const before = cpuSeconds(processTree(target.pid));
  const stats = await measureLoad(ctx, load, target, spec, durationS, before);
  const foreign = cpuBusySeconds(ctx.gatewayCpu) - busyBefore - (target.pinnedToGatewayCpu ? stats.cpuS : 0);
  stats.foreignCpuPct = Math.max(0, (100 * foreign) / ((performance.now() - wallBefore) / 1000));
  return stats;
}

async function measureLoad(ctx: LoadContext, load: Load, target: { port: number; pid: number }, spec: RequestSpec, durationS: number, before: number): Promise<RunStats> {
  if (load.kind === 'http') {
    const w = await runWrk({
      wrk: ctx.wrk,
      url: `http://127.0.0.1:${target.port}${spec.path}`,
      method: spec.method,
      bodyFile: spec.body === undefined ? undefined : bodyFile(ctx.tmpDir, spec.body),
      headers: spec.headers,
      connections: load.connections,
      durationS,
      cpu: ctx.loadCpu,
    });
    const cpu = cpuSeconds(processTree(target.pid)) - before;
    const s = w.socketErrors;
    return { cpuS: cpu, rate: w.rps, p50Us: w.p50Us, p99Us: w.p99Us, cpuUs: (cpu * 1e6) / Math.max(1, w.requests), count: w.requests,
      non2xx: w.non2xx, socketErrors: s.connect + s.read + s.write + s.timeout, incomplete: 0,
      firstError: s.connect + s.read + s.write + s.timeout > 0 ? `socket errors: connect ${s.connect}, read ${s.read}, write ${s.write}, timeout ${s.timeout}` : undefined };
  }
  const r = await ctx.sse.run({ host: '127.0.0.1', port: target.port, path: spec.path, headers: spec.headers, body: spec.body ?? '',
    streams: load.streams, durationMs: durationS * 1000 });
  const cpu = cpuSeconds(processTree(target.pid)) - before;
  return { cpuS: cpu, rate: r.streamsPerSec, eventsPerSec: r.eventsPerSec, p50Us: r.ttfbP50Us, p99Us: r.ttfbP99Us,
    cpuUs: (cpu * 1e6) / Math.max(1, r.streams), count: r.streams, non2xx: r.non2xx, socketErrors: r.socketErrors,
    incomplete: r.incomplete, firstError: r.firstBadAnswer ?? r.firstSocketError };
}
