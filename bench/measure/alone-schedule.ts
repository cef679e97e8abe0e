/**
 * The order of the alone measure's windows: a b a a2 a b a a2 … a. Every b and every a2 window sits between two a
 * windows, so each is compared with the reference just before and just after it; the two series are interleaved
 * rather than run one after the other so that both meet the same moments of the machine, and so that the A/A
 * series sees exactly what the real one sees: each of its windows, like each b window, has one a neighbour that
 * follows a b window and one that follows an a2 window (whatever a b config leaves behind in the next window shows
 * in the calibration too).
 */
export type AloneKind = 'a' | 'b' | 'a2';

/** 4n + 1 windows: n of b, n of a2, 2n + 1 of a, starting and ending with a. */
export function aloneSchedule(n: number): AloneKind[] {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`windows per series must be a whole number ≥ 0, got ${n}`);
  const out: AloneKind[] = ['a'];
  for (let k = 0; k < 2 * n; k++) out.push(k % 2 === 0 ? 'b' : 'a2', 'a');
  return out;
}
