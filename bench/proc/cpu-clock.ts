/**
 * A process's CPU time from two clocks: the scheduler's run time per thread (`/proc/PID/task/TID/schedstat`, first
 * field, ns) and utime+stime (`/proc/PID/stat`, clock ticks, 10 ms on Linux). The paired measure
 * (bench/measure/run-paired.ts) divides CPU by requests over 5 s rounds, where 10 ms ticks are ~0.4 % of a
 * gateway's share; the ns clock removes that step, and the tick sum is kept beside it as a check that both agree.
 *
 * The parsers take whatever text /proc gave (a thread may end mid-read, a kernel may lay fields out differently) and
 * return null rather than a number they are not sure of: a missing field, a non-decimal word, or a value past
 * 2^53 (where a double stops counting exactly) is not a CPU time.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Plain decimal digits only, and small enough to be exact as a double. */
function exactCount(word: string | undefined): number | null {
  if (word === undefined || !/^\d{1,16}$/.test(word)) return null;
  const n = Number(word);
  return Number.isSafeInteger(n) ? n : null;
}

/** Run time in ns from a schedstat line ("<run ns> <wait ns> <timeslices>"), or null. */
export function parseSchedstatNs(text: string): number | null {
  const words = text.trim().split(/\s+/);
  if (words.length < 3) return null;
  return exactCount(words[0]);
}

/**
 * utime+stime in clock ticks from a stat line, or null. The command name (field 2) is in parentheses and may hold
 * spaces and ')' itself, so fields are counted from the last ')'.
 */
export function parseStatTicks(text: string): number | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const f = text.slice(close + 2).trim().split(' '); // f[0] is field 3 (state)
  const utime = exactCount(f[11]);
  const stime = exactCount(f[12]);
  if (utime === null || stime === null) return null;
  return Number.isSafeInteger(utime + stime) ? utime + stime : null;
}

export interface CpuClocks {
  /** Run time of each live thread, ns, by "pid/tid". */
  threadNs: Map<string, number>;
  /** utime+stime of the processes (their threads, live and ended), clock ticks. */
  ticks: number;
  /** Files that could not be read or parsed (a thread that ended between readdir and read). */
  unreadable: number;
}

function readOr(path: string): string | null {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
}

/** Both clocks over `pids` and all their threads. */
export function readCpuClocks(pids: number[]): CpuClocks {
  const out: CpuClocks = { threadNs: new Map(), ticks: 0, unreadable: 0 };
  for (const pid of pids) {
    const stat = readOr(`/proc/${pid}/stat`);
    const ticks = stat === null ? null : parseStatTicks(stat);
    if (ticks === null) out.unreadable++;
    else out.ticks += ticks;
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      out.unreadable++;
      continue;
    }
    for (const tid of tids) {
      const line = readOr(`/proc/${pid}/task/${tid}/schedstat`);
      const ns = line === null ? null : parseSchedstatNs(line);
      if (ns === null) out.unreadable++;
      else out.threadNs.set(`${pid}/${tid}`, ns);
    }
  }
  return out;
}

/**
 * Run time between two readings, ns, thread by thread: a thread started in between counts from 0, one that ended
 * in between counts nothing (its last run time is lost with it; the ticks keep it, so a round where threads ended
 * shows as a gap between the two clocks) rather than taking its whole past away from the sum, as a difference of
 * two totals would. `ended` counts those threads.
 */
export function nsBetween(before: CpuClocks, after: CpuClocks): { ns: number; ended: number } {
  let ns = 0;
  for (const [id, t] of after.threadNs) ns += Math.max(0, t - (before.threadNs.get(id) ?? 0));
  let ended = 0;
  for (const id of before.threadNs.keys()) if (!after.threadNs.has(id)) ended++;
  return { ns, ended };
}
