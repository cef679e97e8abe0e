/** The cells both CPU-ratio tables (format-paired, format-alone) write the same way: a number or —, and a ratio's spread. */
import { percent, type Spread } from '../measure/paired-stats.ts';

/** `x` with `digits` decimals, — when missing or not finite. */
export const num = (x: number | undefined, digits: number): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));

/** A ratio's median (with its per cent), IQR and min … max cells. */
export function spreadCells(s: Spread): string[] {
  return [`${num(s.median, 3)} (${percent(s.median)})`, `${num(s.q1, 3)} … ${num(s.q3, 3)}`, `${num(s.min, 3)} … ${num(s.max, 3)}`];
}

/** A table's header and alignment lines: the first column left, the others right. */
export function headLines(head: readonly string[]): string[] {
  return [`| ${head.join(' | ')} |`, `|---|${head.slice(1).map(() => '---:').join('|')}|`];
}
