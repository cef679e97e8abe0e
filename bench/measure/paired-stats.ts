/**
 * The arithmetic of the paired measure: CPU per request of each side in a round, the B/A ratio of that round, and
 * over the rounds the median with its spread. Medians and quartiles rather than means: a round that met a burst
 * on the machine moves a mean, not a median.
 */

/** µs of CPU per request; NaN when nothing was answered or the CPU reading is not a finite, non-negative number. */
export function cpuPerRequestUs(cpuNs: number, requests: number): number {
  if (!(requests > 0) || !Number.isFinite(requests) || !(cpuNs >= 0) || !Number.isFinite(cpuNs)) return NaN;
  return cpuNs / 1000 / requests;
}

/** b ÷ a for one round; NaN unless both are finite and a is positive. */
export function roundRatio(aUs: number, bUs: number): number {
  if (!Number.isFinite(aUs) || !Number.isFinite(bUs) || !(aUs > 0) || bUs < 0) return NaN;
  return bUs / aUs;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of the finite values, interpolated between neighbours (R's type 7, numpy's default):
 * q = 0.5 is the median, 0 the minimum, 1 the maximum. NaN for no finite value.
 */
export function quantile(values: number[], q: number): number {
  const xs = values.filter(Number.isFinite).sort((x, y) => x - y);
  if (xs.length === 0 || !(q >= 0 && q <= 1)) return NaN;
  const pos = (xs.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return xs[lo]! + (xs[hi]! - xs[lo]!) * (pos - lo);
}

export const median = (values: number[]): number => quantile(values, 0.5);

export interface Spread {
  median: number;
  q1: number;
  q3: number;
  min: number;
  max: number;
  /** Finite values counted (rounds whose ratio could not be taken are left out). */
  n: number;
}

export function spread(values: number[]): Spread {
  return {
    median: quantile(values, 0.5),
    q1: quantile(values, 0.25),
    q3: quantile(values, 0.75),
    min: quantile(values, 0),
    max: quantile(values, 1),
    n: values.filter(Number.isFinite).length,
  };
}

/** A ratio as a signed percentage: 1.123 → "+12.3 %", 0.98 → "−2.0 %"; "—" when not finite. */
export function percent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '—';
  const p = (ratio - 1) * 100;
  const text = Math.abs(p).toFixed(1);
  return `${p < 0 && text !== '0.0' ? '−' : '+'}${text} %`;
}
