/** What a soak run comes to: the rate actually held, errors, p99, and RSS growth from the first to the last window. */

export interface SoakSecond {
  t: number;
  sent: number;
  done: number;
  errors: number;
  p50Us: number;
  p99Us: number;
  /** Gateway process tree RSS (VmRSS), MB. */
  rssMb: number;
  /** V8 heap used from the Admin API's /status, MB; NaN when it did not answer. */
  heapMb: number;
  firstError?: string;
}

export interface SoakSummary {
  targetRate: number;
  /** Median completed requests per second after warm-up. */
  medianRate: number;
  /** The generator held the rate: median completions within 2 % of the target. */
  rateHeld: boolean;
  errors: number;
  firstError?: string;
  /** Median and worst per-second p99 after warm-up, µs. */
  p99MedianUs: number;
  p99WorstUs: number;
  /** Seconds of each window compared (a minute, or half of what is left after warm-up on short runs). */
  windowS: number;
  rssFirstMb: number;
  rssLastMb: number;
  rssGrowthPct: number;
  heapFirstMb: number;
  heapLastMb: number;
  /** The targets: RSS growth < 5 %, 0 errors. */
  pass: boolean;
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Warm-up: a tenth of the run, at most a minute (the JIT and the heap settle). */
export function warmupSeconds(totalS: number): number {
  return Math.min(60, Math.floor(totalS / 10));
}

export function summarizeSoak(samples: SoakSecond[], targetRate: number, warmupS: number): SoakSummary {
  const after = samples.filter((s) => s.t > warmupS);
  const windowS = Math.max(1, Math.min(60, Math.floor(after.length / 2)));
  const first = after.slice(0, windowS);
  const last = after.slice(-windowS);
  const rssFirstMb = mean(first.map((s) => s.rssMb));
  const rssLastMb = mean(last.map((s) => s.rssMb));
  const finiteMean = (xs: number[]): number => mean(xs.filter(Number.isFinite));
  const errors = samples.reduce((n, s) => n + s.errors, 0);
  const medianRate = median(after.map((s) => s.done));
  const rssGrowthPct = (100 * (rssLastMb - rssFirstMb)) / rssFirstMb;
  return {
    targetRate,
    medianRate,
    rateHeld: Math.abs(medianRate - targetRate) <= 0.02 * targetRate,
    errors,
    firstError: samples.find((s) => s.firstError)?.firstError,
    p99MedianUs: median(after.map((s) => s.p99Us).filter(Number.isFinite)),
    p99WorstUs: Math.max(...after.map((s) => s.p99Us).filter(Number.isFinite)),
    windowS,
    rssFirstMb,
    rssLastMb,
    rssGrowthPct,
    heapFirstMb: finiteMean(first.map((s) => s.heapMb)),
    heapLastMb: finiteMean(last.map((s) => s.heapMb)),
    pass: errors === 0 && rssGrowthPct < 5 && after.length > 0,
  };
}
