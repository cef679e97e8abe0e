// Pure parts of c1-sched.ts that see every run slice of a run (tens of thousands at c=1 for
// 7 s): linear, and no spread of the slices into one call's arguments (V8 refuses ~120k).

/** One line of `perf sched timehist`: a task leaving the core after a run slice. */
export interface Slice { tid: number; pid: number; comm: string; schedDelayMs: number; runMs: number }

/** The slices of the thread that ran most often (the one that serves), [] when none. */
export function servingThread(mine: readonly Slice[]): Slice[] {
  const byTid = new Map<number, Slice[]>();
  for (const x of mine) {
    const list = byTid.get(x.tid);
    if (list === undefined) byTid.set(x.tid, [x]);
    else list.push(x);
  }
  let best: Slice[] = [];
  for (const list of byTid.values()) if (list.length > best.length) best = list;
  return best;
}

/** The largest of `xs`, -Infinity for none (what Math.max() gives). */
export function largest(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return m;
}
