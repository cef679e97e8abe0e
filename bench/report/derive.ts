/** Figures derived from a scenario's medians: throughput ratios and latency added over the direct call. */
import type { ScenarioResult, TargetResult } from '../measure/types.ts';
import type { Role } from '../targets/types.ts';

/** The throughput a ratio compares: requests/s, or SSE events/s (the chunk rate). */
export function throughput(row: TargetResult | undefined): number {
  const m = row?.median;
  if (!m) return NaN;
  return m.eventsPerSec ?? m.rate;
}

export function rowByRole(r: ScenarioResult, role: Role): TargetResult | undefined {
  return r.rows.find((x) => x.role === role && x.median);
}

export function rowByLabel(r: ScenarioResult, label: string): TargetResult | undefined {
  return r.rows.find((x) => x.label === label);
}

/** row throughput ÷ the reference row's (direct, nginx or peer) throughput. */
export function ratio(r: ScenarioResult, row: TargetResult, ref: Role): number {
  const base = rowByRole(r, ref);
  if (!base || base === row) return NaN;
  return throughput(row) / throughput(base);
}

/** row's completed requests (or SSE streams) per second ÷ the reference row's, whatever the events per stream. */
export function rateRatio(r: ScenarioResult, row: TargetResult, ref: Role): number {
  const base = rowByRole(r, ref)?.median;
  if (!base || !row.median || rowByRole(r, ref) === row) return NaN;
  return row.median.rate / base.rate;
}

/** Latency (or TTFB) added over the direct call, µs, for p50 and p99. */
export function added(r: ScenarioResult, row: TargetResult): { p50: number; p99: number } {
  const d = rowByRole(r, 'direct')?.median;
  const m = row.median;
  if (!d || !m || row.role === 'direct') return { p50: NaN, p99: NaN };
  return { p50: m.p50Us - d.p50Us, p99: m.p99Us - d.p99Us };
}

/** Errors seen by this row over all its runs and its preflight; 0 when clean. */
export function errorCount(row: TargetResult): number {
  const m = row.median;
  return (m ? m.non2xx + m.socketErrors + m.incomplete : 0) + (row.preflightOk === false ? 1 : 0);
}
