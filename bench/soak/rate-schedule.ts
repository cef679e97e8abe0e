/**
 * Open-loop pacing for the soak load generator (what wrk2 does): request i is due at start + i / rate, whatever
 * happened to the earlier ones, and its latency counts from that due time, so a stalled gateway shows up as
 * latency instead of as a lower request rate (no coordinated omission).
 */

/** How many requests are due by `elapsedMs` after `sent` have gone out; never negative. */
export function dueNow(elapsedMs: number, ratePerS: number, sent: number): number {
  return Math.max(0, Math.floor((elapsedMs * ratePerS) / 1000) + 1 - sent);
}

/** When request number `i` (from 0) was due, in ms after the start. */
export function dueAtMs(i: number, ratePerS: number): number {
  return (i * 1000) / ratePerS;
}

/** The p-th percentile (0–100) of `values` by nearest rank; NaN for none. Sorts `values` in place. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  values.sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * values.length);
  return values[Math.min(values.length, Math.max(1, rank)) - 1];
}
