/** The soak summary as a Markdown table, with the targets (RSS growth < 5 %, 0 errors). */
import type { SoakSummary } from './soak-summary.ts';

const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '—');

export function formatSoak(s: SoakSummary, o: { minutes: number; rate: number }): string {
  return [
    `### soak: plain proxy, ${o.minutes} min at ${o.rate} req/s`,
    '',
    `Windows of ${s.windowS} s: the first after warm-up and the last; p99 from the due time of each request (open loop).`,
    '',
    '| figure | measured | target | result |',
    '|---|---:|---:|---|',
    `| rate held (median completed req/s) | ${f(s.medianRate, 0)} | ${s.targetRate} ± 2 % | ${s.rateHeld ? 'held' : '**not held** (generator or gateway behind)'} |`,
    `| errors | ${s.errors}${s.firstError ? ` (first: ${s.firstError})` : ''} | 0 | ${s.errors === 0 ? 'pass' : 'FAIL'} |`,
    `| RSS first / last window, MB | ${f(s.rssFirstMb)} / ${f(s.rssLastMb)} | | |`,
    `| RSS growth | ${f(s.rssGrowthPct)} % | < 5 % | ${s.rssGrowthPct < 5 ? 'pass' : 'FAIL'} |`,
    `| V8 heap used first / last window, MB | ${f(s.heapFirstMb)} / ${f(s.heapLastMb)} | | |`,
    `| p99 per second, median / worst, ms | ${f(s.p99MedianUs / 1000, 2)} / ${f(s.p99WorstUs / 1000, 2)} | | |`,
    `| soak verdict | | | ${s.pass ? 'pass' : 'FAIL'} |`,
  ].join('\n');
}
