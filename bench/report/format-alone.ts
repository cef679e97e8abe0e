/** An alone measure's result as a Markdown table (stdout and the .md file), with notes on skips and errors below it. */
import { headLines, num, spreadCells } from './ratio-cells.ts';
import type { AloneResult } from '../measure/types.ts';

export function formatAlone(r: AloneResult): string {
  const head = ['series (config ÷ neighbouring a)', 'a CPU µs/req', 'config CPU µs/req', 'ratio (median)', 'IQR', 'min … max', 'ticks check', 'windows', 'reload ms', 'errors', 'noise %'];
  const lines = [
    `### ${r.name}: ${r.title}`,
    '',
    `One gateway alone on the gateway core, ${r.connections} wrk connections; its config swapped with POST /config before each window, ` +
      `a b a a2 a … a (${r.pairs} b and ${r.pairs} a2 windows), each window ${r.settleS} s of load to settle then ${r.durationS} s measured, ` +
      `after ${r.warmupS} s of warm-up over the three configs. CPU is the scheduler's run time of all the gateway's threads (schedstat, ns) ÷ ` +
      'the requests of the measured part; each b or a2 window is divided by the mean of its two neighbouring a windows (a linear drift cancels), ' +
      'then the median and spread over the windows. "ticks check" is the median ratio from utime+stime; the A/A row (a2 is a with its route ' +
      'renamed) shows how far a ratio can be trusted.',
    '',
    ...headLines(head),
  ];
  for (const row of r.rows) {
    if (r.skipped) {
      lines.push(`| ${row.label} | ${head.slice(1).map((_, i) => (i === 8 ? 'skipped' : '—')).join(' | ')} |`);
      continue;
    }
    const s = row.ratio;
    lines.push(`| ${[
      row.label,
      num(row.aUs, 1),
      num(row.us, 1),
      ...spreadCells(s),
      num(row.ratioTicksMedian, 3),
      String(s.n),
      num(row.applyMsMedian, 0),
      row.errors ? `**${row.errors}**` : '0',
      num(row.foreignCpuPctMedian, 0),
    ].join(' | ')} |`);
  }
  const notes: string[] = [];
  if (r.skipped) notes.push(`- skipped: ${r.skipped}`);
  if (r.error) notes.push(`- scenario error (the table holds the windows measured before it): ${r.error.split('\n')[0]}`);
  if (notes.length) lines.push('', ...notes);
  return lines.join('\n');
}
