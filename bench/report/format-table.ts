/** A scenario as a Markdown table (used for stdout and the .md file), with notes on skips and errors below it. */
import type { ScenarioResult, TargetResult } from '../measure/types.ts';
import { added, errorCount, ratio } from './derive.ts';

const num = (x: number | undefined, digits = 0): string =>
  x === undefined || x === null || !Number.isFinite(x) ? '—' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (us: number): string => num(us / 1000, 2);
const times = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');

function errorsCell(row: TargetResult): string {
  if (row.skipped) return 'skipped';
  const m = row.median;
  const parts: string[] = [];
  if (row.preflightOk === false) parts.push('preflight failed');
  if (m?.non2xx) parts.push(`non-2xx ${m.non2xx}`);
  if (m?.socketErrors) parts.push(`socket ${m.socketErrors}`);
  if (m?.incomplete) parts.push(`cut ${m.incomplete}`);
  return parts.length ? `**${parts.join(', ')}**` : '0';
}

export function formatScenario(r: ScenarioResult): string {
  const sse = r.load.kind === 'sse';
  const load = r.load.kind === 'sse' ? `${r.load.streams} streams` : `c=${r.load.connections}`;
  const head = sse
    ? ['target', 'streams/s', 'events/s', 'TTFB p50 ms', 'TTFB p99 ms', 'added TTFB p50 / p99 µs', 'CPU µs/stream', 'peak RSS MB', '×direct', '×nginx', '×floor', '×peer', 'errors', 'noise %']
    : ['target', 'req/s', 'p50 ms', 'p99 ms', 'added p50 / p99 µs', 'CPU µs/req', 'peak RSS MB', '×direct', '×nginx', '×floor', '×peer', 'errors', 'noise %'];
  const lines = [
    `### ${r.name}: ${r.title}`,
    '',
    `${load}, ${r.rounds} rounds × ${r.durationS} s, medians; ratios compare ${sse ? 'events/s' : 'req/s'}; CPU is the target's own (for direct: the mock's); noise % = share of the gateway core used by other processes during the run.`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
  ];
  for (const row of r.rows) {
    const m = row.median;
    const a = added(r, row);
    const cells = [
      row.label,
      num(m?.rate),
      ...(sse ? [num(m?.eventsPerSec)] : []),
      m ? ms(m.p50Us) : '—',
      m ? ms(m.p99Us) : '—',
      row.role === 'direct' || !m ? '—' : `${num(a.p50)} / ${num(a.p99)}`,
      num(m?.cpuUs, 1),
      num(row.peakRssMb, 1),
      row.role === 'direct' ? '—' : times(ratio(r, row, 'direct')),
      row.role === 'direct' || row.role === 'nginx' ? '—' : times(ratio(r, row, 'nginx')),
      row.role === 'gateway' || row.role === 'peer' ? times(ratio(r, row, 'floor')) : '—',
      row.role === 'gateway' ? times(ratio(r, row, 'peer')) : '—',
      errorsCell(row),
      num(m?.foreignCpuPct),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const notes: string[] = [];
  if (r.error) notes.push(`- scenario error: ${r.error.split('\n')[0]}`);
  for (const row of r.rows) {
    if (row.skipped) notes.push(`- ${row.label}: skipped: ${row.skipped}`);
    else if (errorCount(row) > 0) {
      notes.push(`- ${row.label}: preflight ${row.preflight}${row.median?.firstError ? `; first error in the runs: ${row.median.firstError}` : ''}`);
    }
  }
  const noisy = Math.max(...r.rows.map((row) => row.median?.foreignCpuPct ?? 0));
  if (noisy >= 5) notes.push(`- warning: other processes used up to ${Math.round(noisy)}% of the gateway core during these runs; throughput and latency are disturbed (CPU µs/req less so).`);
  if (notes.length) lines.push('', ...notes);
  return lines.join('\n');
}
