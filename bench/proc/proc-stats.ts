/**
 * CPU time and peak memory of a process tree, read from /proc. utime+stime in /proc/PID/stat covers every thread
 * of the process (V8 helpers, GC, uWS); the tree covers forked workers (nginx master + worker).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let clkTck = 0;
/** Clock ticks per second (getconf CLK_TCK, 100 on Linux). */
export function ticksPerSecond(): number {
  if (!clkTck) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

function statFields(pid: number): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return s.slice(s.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
  } catch {
    return null;
  }
}

/** `root` and all its descendants that are alive now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!pid) continue;
    const f = statFields(pid);
    if (!f) continue;
    const ppid = Number(f[1]);
    let list = children.get(ppid);
    if (!list) children.set(ppid, (list = []));
    list.push(pid);
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** Sum of utime+stime over `pids`, in seconds. */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const f = statFields(pid);
    if (f) ticks += Number(f[11]) + Number(f[12]); // fields 14 (utime) and 15 (stime)
  }
  return ticks / ticksPerSecond();
}

/** Sum of VmHWM (peak resident set) over `pids`, in KiB. */
export function peakRssKb(pids: number[]): number {
  return statusKb(pids, /VmHWM:\s+(\d+) kB/);
}

/** Sum of VmRSS (resident set now) over `pids`, in KiB. */
export function rssKb(pids: number[]): number {
  return statusKb(pids, /VmRSS:\s+(\d+) kB/);
}

function statusKb(pids: number[], field: RegExp): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = field.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
      if (m) kb += Number(m[1]);
    } catch {
      /* exited */
    }
  }
  return kb;
}

/** Busy time of one CPU (user+nice+system+irq+softirq+steal from /proc/stat), in seconds. */
export function cpuBusySeconds(cpu: number): number {
  const line = readFileSync('/proc/stat', 'latin1').split('\n').find((l) => l.startsWith(`cpu${cpu} `));
  if (!line) return NaN;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / ticksPerSecond();
}

/** One thread of a process: its name, CPU ticks and context switches so far. */
export interface ThreadStat {
  name: string;
  ticks: number;
  /** it gave the CPU up (blocked: epoll, futex) */
  voluntary: number;
  /** it was preempted: another runnable thread or process took the CPU */
  involuntary: number;
}

/**
 * Every thread of `pid` by thread id, from /proc/PID/task. On a core the gateway shares with nothing else, a
 * request can wait only behind the gateway's own threads (V8's GC and compiler helpers, libuv's pool, a worker);
 * how often each of them wakes and how long it runs is what a tail at concurrency 1 is made of.
 */
export function threadStats(pid: number): Map<number, ThreadStat> {
  const out = new Map<number, ThreadStat>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'latin1');
      const count = (key: string): number => Number(new RegExp(`^${key}:\\s*(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      out.set(Number(tid), {
        name,
        ticks: Number(f[11]) + Number(f[12]),
        voluntary: count('voluntary_ctxt_switches'),
        involuntary: count('nonvoluntary_ctxt_switches'),
      });
    } catch {
      // the thread ended between readdir and read
    }
  }
  return out;
}
