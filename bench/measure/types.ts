/** What one measured run, one target and one scenario produce. */
import type { Load } from '../scenarios/types.ts';
import type { Role } from '../targets/types.ts';

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
