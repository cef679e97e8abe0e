/** What one measured run, one target and one scenario produce. */
import type { Load } from '../scenarios/types.ts';
import type { Role } from '../targets/types.ts';
import type { AloneKind } from './alone-schedule.ts';
import type { Spread } from './paired-stats.ts';

export interface RunStats {
  /** Requests/s (http) or completed streams/s (sse). */
  rate: number;
  /** SSE events received per second (sse only). */
  eventsPerSec?: number;
  /** Latency (http) or time to first byte (sse) percentiles, µs. */
  p50Us: number;
  p99Us: number;
  /** Target's CPU (utime+stime over its process tree) per request or stream, µs. */
  cpuUs: number;
  /** Target's CPU over the run, s. */
  cpuS: number;
  /** Requests or streams completed. */
  count: number;
  non2xx: number;
  socketErrors: number;
  /** SSE streams cut before their end. */
  incomplete: number;
  firstError?: string;
  /**
   * Busy time of the target's core spent by anything but the target, % of the run (other processes sharing the
   * machine, or the target's own descendants that exited). Above a few % the run is disturbed.
   */
  foreignCpuPct?: number;
}

export interface TargetResult {
  label: string;
  role: Role;
  skipped?: string;
  /** What a single request got before the load started ("200, 1388 B" or the error). */
  preflight?: string;
  preflightOk?: boolean;
  runs: RunStats[];
  median?: RunStats;
  peakRssMb?: number;
}

export interface ScenarioResult {
  name: string;
  title: string;
  load: Load;
  durationS: number;
  rounds: number;
  rows: TargetResult[];
  error?: string;
}

/** A gateway's CPU over one measured run and the requests wrk counted in it (bench/measure/cpu-sample.ts). */
export interface CpuSample {
  requests: number;
  non2xx: number;
  socketErrors: number;
  /** CPU over the run: scheduler run time summed over the process tree's threads (ns), and utime+stime (s). */
  cpuNs: number;
  cpuTicksS: number;
  /** CPU µs per request from the ns clock, and from the ticks (the check). */
  cpuUs: number;
  cpuUsTicks: number;
  /** Threads that ended during the run (their run time in it is missing from cpuNs). */
  threadsEnded: number;
}

/** One side of one paired run. */
export interface PairedSide extends CpuSample {
  label: string;
}

export interface PairedRound {
  /** 1-based. */
  round: number;
  first: 'a' | 'b';
  /** Wall time from starting the first load generator to the end of the last. */
  wallS: number;
  a: PairedSide;
  b: PairedSide;
  /** b.cpuUs ÷ a.cpuUs (NaN when a side answered nothing). */
  ratio: number;
  /** The same from the ticks. */
  ratioTicks: number;
  /** Share of the gateway core used by anything but the two measured gateways, % of the run. */
  foreignCpuPct: number;
}

export interface PairedRow {
  label: string;
  a: string;
  b: string;
  skipped?: string;
  rounds: PairedRound[];
  /** Over the rounds: the ratio's median and spread, the ticks ratio's median, each side's median µs/req. */
  ratio?: Spread;
  ratioTicksMedian?: number;
  /** Median of b's requests ÷ a's in the same run: with the core shared evenly, about the inverse of the CPU ratio. */
  requestsRatioMedian?: number;
  aUs?: number;
  bUs?: number;
  /** Median seconds per round (both sides run at once; includes wrk's start and the reads). */
  roundWallS?: number;
  errors: number;
  foreignCpuPctMedian?: number;
}

export interface PairedResult {
  name: string;
  title: string;
  connectionsPerSide: number;
  durationS: number;
  warmupS: number;
  rounds: number;
  rows: PairedRow[];
  /** The target, when the scenario has one (copied from it so a saved result explains itself). */
  goal?: { pair: string; maxRatio: number; calibration: string };
  elapsedS: number;
  error?: string;
}

/** One window of the alone measure (bench/measure/run-alone.ts): one config, swapped in, settled, measured. */
export interface AloneWindow extends CpuSample {
  /** 1-based, in run order. */
  index: number;
  kind: AloneKind;
  /** How long POST /config took to answer 201, ms. (cpuUs and cpuUsTicks are NaN with no requests or with errors: a failed answer is not a served request.) */
  applyMs: number;
  /** The measured part's wall time, s. */
  wallS: number;
  foreignCpuPct: number;
}

/** One series of the alone measure: its windows' ratios to their a neighbours. */
export interface AloneRow {
  label: string;
  kind: 'b' | 'a2';
  ratio: Spread;
  ratioTicksMedian: number;
  /** Medians of the series' windows' µs/req and of all a windows'. */
  us: number;
  aUs: number;
  /** Errors in the series' windows and in the a windows they are divided by. */
  errors: number;
  foreignCpuPctMedian: number;
  applyMsMedian: number;
}

export interface AloneResult {
  name: string;
  title: string;
  connections: number;
  durationS: number;
  settleS: number;
  warmupS: number;
  /** Windows per series. */
  pairs: number;
  /** The series' labels (copied from the scenario, so a saved result explains itself). */
  labels: { b: string; a2: string };
  windows: AloneWindow[];
  rows: AloneRow[];
  goal?: { maxRatio: number };
  /** The gateway could not start or serve: why. */
  skipped?: string;
  elapsedS: number;
  error?: string;
}
