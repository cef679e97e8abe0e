/** A gateway's CPU over one measured run and the requests wrk counted in it, as both CPU measures read them (run-paired, run-alone). */
import type { WrkRun } from '../load/wrk.ts';
import { nsBetween, readCpuClocks, type CpuClocks } from '../proc/cpu-clock.ts';
import { processTree, ticksPerSecond } from '../proc/proc-stats.ts';
import { cpuPerRequestUs } from './paired-stats.ts';
import type { CpuSample } from './types.ts';

/** The CPU clocks of the process `pid` and its children, all threads. */
export function gatewayClocks(pid: number): CpuClocks {
  return readCpuClocks(processTree(pid));
}

/** The run between the clocks `before` and `after` that wrk reported as `w`. */
export function cpuSample(before: CpuClocks, after: CpuClocks, w: WrkRun): CpuSample {
  const { ns: cpuNs, ended } = nsBetween(before, after);
  const cpuTicksS = (after.ticks - before.ticks) / ticksPerSecond();
  const s = w.socketErrors;
  return {
    requests: w.requests,
    non2xx: w.non2xx,
    socketErrors: s.connect + s.read + s.write + s.timeout,
    cpuNs,
    cpuTicksS,
    cpuUs: cpuPerRequestUs(cpuNs, w.requests),
    cpuUsTicks: cpuPerRequestUs(cpuTicksS * 1e9, w.requests),
    threadsEnded: ended,
  };
}
