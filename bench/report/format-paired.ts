/** A paired measure's result as a Markdown table (stdout and the .md file), with notes on skips and errors below it. */
import { headLines, num, spreadCells } from './ratio-cells.ts';
import type { PairedResult } from '../measure/types.ts';

export function formatPaired(r: PairedResult): string {
  const head = ['pair (a → b)', 'a CPU µs/req', 'b CPU µs/req', 'b ÷ a (median)', 'IQR', 'min … max', 'ticks check', 'b ÷ a req', 'rounds', 's/round', 'errors', 'noise %'];
  const lines = [
    `### ${r.name}: ${r.title}`,
    '',
    `Both gateways of a pair run at once on the gateway core, ${r.connectionsPerSide} wrk connections each; ${r.rounds} rounds × ${r.durationS} s ` +
      `(pairs rotated, which wrk starts first alternated), after ${r.warmupS} s of warm-up per pair. CPU is the scheduler's run time of all the ` +
      'gateway\'s threads (schedstat, ns) ÷ its requests in the same run; the ratio is taken per round, then its median and spread. ' +
      '"ticks check" is the median ratio from utime+stime (10 ms ticks) instead; "b ÷ a req" the median ratio of requests answered (the two share the core, so it is near the inverse of the CPU ratio); the A/A row (two identical gateways) shows how far a ratio can be trusted.',
    '',
    ...headLines(head),
  ];
  for (const row of r.rows) {
    const s = row.ratio;
    const pair = `${row.label} (${row.a} → ${row.b})`;
    if (row.skipped || !s) {
      lines.push(`| ${pair} | ${head.slice(1).map((_, i) => (i === 9 ? 'skipped' : '—')).join(' | ')} |`);
      continue;
    }
    lines.push(`| ${[
      pair,
      num(row.aUs, 1),
      num(row.bUs, 1),
      ...spreadCells(s),
      num(row.ratioTicksMedian, 3),
      num(row.requestsRatioMedian, 3),
      String(s.n),
      num(row.roundWallS, 1),
      row.errors ? `**${row.errors}**` : '0',
      num(row.foreignCpuPctMedian, 0),
    ].join(' | ')} |`);
  }
  const notes: string[] = [];
  if (r.error) notes.push(`- scenario error: ${r.error.split('\n')[0]}`);
  for (const row of r.rows) if (row.skipped) notes.push(`- ${row.label}: skipped: ${row.skipped}`);
  if (notes.length) lines.push('', ...notes);
  return lines.join('\n');
}
