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
  /** Sum of the live threads' run time, ns. */
  ns: number;
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

/**
 * Both clocks summed over `pids` and all their threads. A thread that ends between two readings drops its ns out
 * of the sum (its ticks stay in the process's stat), so over a round the two clocks differ by about that much:
 * the gateway's threads (main, V8 platform workers, libuv pool) live as long as it does.
 */
export function readCpuClocks(pids: number[]): CpuClocks {
  const out: CpuClocks = { ns: 0, ticks: 0, unreadable: 0 };
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
      else out.ns += ns;
    }
  }
  return out;
}
