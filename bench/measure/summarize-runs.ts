/** Medians over a target's rounds; error counts are summed, never medianed away. */
import type { RunStats } from './types.ts';

export function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function summarizeRuns(runs: RunStats[]): RunStats | undefined {
  if (runs.length === 0) return undefined;
  const m = (f: (r: RunStats) => number | undefined): number => median(runs.map((r) => f(r) ?? NaN));
  const sum = (f: (r: RunStats) => number): number => runs.reduce((a, r) => a + f(r), 0);
  return {
    rate: m((r) => r.rate),
    eventsPerSec: runs[0].eventsPerSec === undefined ? undefined : m((r) => r.eventsPerSec),
    p50Us: m((r) => r.p50Us),
    p99Us: m((r) => r.p99Us),
    cpuUs: m((r) => r.cpuUs),
    cpuS: m((r) => r.cpuS),
    count: sum((r) => r.count),
    non2xx: sum((r) => r.non2xx),
    socketErrors: sum((r) => r.socketErrors),
    incomplete: sum((r) => r.incomplete),
    firstError: runs.find((r) => r.firstError)?.firstError,
    foreignCpuPct: m((r) => r.foreignCpuPct),
  };
}
