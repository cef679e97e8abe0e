/** What a scenario is: the load, the mock's stream settings, and what each target is sent. */
export interface RequestSpec {
  method: 'POST' | 'GET';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export type Load =
  /** wrk, closed loop: `connections` keep-alive connections. */
  | { kind: 'http'; connections: number }
  /** the SSE client: `streams` connections, each posting the next stream when one ends. */
  | { kind: 'sse'; streams: number };

/** A Kong declarative config (`_format_version: "3.0"`), built for a mock at `mockUrl`. */
export type KongConfig = Record<string, unknown>;

export interface GatewaySpec {
  label: string;
  config: (mockUrl: string) => KongConfig;
  request: RequestSpec;
  /** Extra environment (e.g. KONG_PLUGINS for the bench's own plugins). */
  env?: Record<string, string>;
}

export interface PeerSpec {
  label: string;
  request: (mockUrl: string) => RequestSpec;
}

/**
 * One table of the report. Several tables can come from one scenario when they share the load and the direct
 * request: the references (direct, nginx) are then measured once, in the same rounds as every gateway set-up.
 */
export interface TableSpec {
  name: string;
  title: string;
  /** Labels of the gateway and peer rows shown, after direct and nginx. */
  rows: string[];
}

export interface Scenario {
  name: string;
  load: Load;
  tables: TableSpec[];
  /**
   * Also measure the floor (bare uWS + undici proxy, sent the direct request): for the scenarios where a plain
   * proxy is the same work (JSON passed through, SSE passed through), not where the gateway converts or signs.
   */
  floor?: boolean;
  /** Only run with --full. */
  fullOnly?: boolean;
  /** Shortest run, in seconds, this scenario needs (enough TTFB samples, streams that last ~1 s). */
  minDurationS?: number;
  mock: { chunks: number; gapMs: number };
  /** Sent to the mock directly and through nginx. */
  direct: RequestSpec;
  /** Labels are unique within the scenario. */
  gateways: GatewaySpec[];
  /** Portkey's request for the same work (with --peers). */
  peer?: PeerSpec;
}

/**
 * A paired measure (bench/measure/run-paired.ts): gateways side by side on the gateway core, measured two at a
 * time under load at once, so that the ratio of their CPU per request cancels the machine's drift.
 */
export interface PairedScenario {
  name: string;
  title: string;
  /**
   * `a` is the reference, `b` the one compared to it; the ratio is b ÷ a. An A/A pair has two identical gateways.
   * Each pair starts its own two processes, so both sides of a pair have had the same load since they started (a
   * reference shared by every pair had three times its partner's and came out ~1 % cheaper than an identical twin).
   */
  pairs: { label: string; a: GatewaySpec; b: GatewaySpec }[];
  /** wrk connections per side (the two sides together make the usual c=50). */
  connectionsPerSide: number;
  /** Defaults: rounds, seconds per run, warm-up seconds per pair. */
  rounds: number;
  durationS: number;
  warmupS: number;
  /** The target (bench/report/goals.ts): the pair whose median ratio is checked, its ceiling, the A/A pair that calibrates it. */
  goal?: { pair: string; maxRatio: number; calibration: string };
}

/**
 * A measure of one gateway alone on the gateway core whose config is swapped through the Admin API between
 * windows (bench/measure/run-alone.ts): `a` is the reference, `b` the one compared to it, `a2` a config that
 * serves exactly as `a` does but is a different text (the A/A calibration). Each b (or a2) window's CPU per
 * request is divided by the mean of its two neighbouring a windows'.
 */
export interface AloneScenario {
  name: string;
  title: string;
  configs: { a: (mockUrl: string) => KongConfig; b: (mockUrl: string) => KongConfig; a2: (mockUrl: string) => KongConfig };
  /** Labels of the two series in the report. */
  labels: { b: string; a2: string };
  request: RequestSpec;
  env?: Record<string, string>;
  connections: number;
  /** Defaults: windows per series (N b windows and N a2 windows), measured seconds per window, settle and warm-up seconds. */
  pairs: number;
  durationS: number;
  /** Load run after each swap and before the measured part (whole seconds: wrk's -d takes no fractions). */
  settleS: number;
  warmupS: number;
  goal?: { maxRatio: number };
}
