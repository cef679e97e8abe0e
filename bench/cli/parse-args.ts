/** `npm run bench -- [options]`. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  full: boolean;
  peers: boolean;
  only: string[] | null;
  durationS: number;
  rounds: number;
  warmupS: number;
  micro: boolean;
  /** --soak: the fixed-rate memory soak instead of the scenarios. */
  soak: boolean;
  soakMinutes: number;
  rate: number;
  save: boolean;
  help: boolean;
  /** The paired scenarios' own rounds and seconds per run (null: the scenario's defaults). */
  pairedRounds: number | null;
  pairedDurationS: number | null;
}

export const USAGE = `usage: npm run bench -- [options]
  --full              longer runs (10 s × 3 rounds, 3 s warm-up) and the 1000-stream memory test
  --peers             also measure Portkey's gateway (installed into bench/.peers on first use)
  --only a,b          run only these tables: plain-proxy, plugins, ai-openai (together: chat-json),
                      ai-anthropic, sse-burst, sse-spaced, latency-c1, sse-memory,
                      obs-overhead (paired: two gateways at once on one core),
                      obs-overhead-alone (one gateway alone on its core, config swapped per window)
  --duration N        seconds per measured run (default 1, --full 10; sse-spaced and latency-c1
                      run at least 2 s, sse-memory at least 10 s)
  --rounds N          alternating rounds per scenario (default 3)
  --warmup N          warm-up seconds for Node targets before the rounds (default 1, --full 3)
  --paired-rounds N   rounds of the paired scenarios (obs-overhead; default 15), and windows per
                      series of obs-overhead-alone (default 15: 4N+1 windows)
  --paired-duration N seconds per paired run (default 5; 10 s warm-up per pair), and measured
                      seconds per obs-overhead-alone window (default 3, after 1 s of settling)
  --micro             run the micro-benchmarks in bench/micro instead
  --soak              run the soak instead: plain proxy at a fixed rate, RSS and heap sampled every
                      second, errors counted, plot in bench/results/soak-<time>.svg
  --soak-minutes N    soak length in minutes (default 10)
  --rate N            soak request rate, req/s (default 5000)
  --no-save           do not write bench/results/
`;

function positive(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number of seconds/rounds, got ${v}`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      full: { type: 'boolean', default: false },
      peers: { type: 'boolean', default: false },
      only: { type: 'string' },
      duration: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      micro: { type: 'boolean', default: false },
      soak: { type: 'boolean', default: false },
      'soak-minutes': { type: 'string' },
      rate: { type: 'string' },
      'no-save': { type: 'boolean', default: false },
      'paired-rounds': { type: 'string' },
      'paired-duration': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const full = values.full!;
  return {
    full,
    peers: values.peers!,
    only: values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : null,
    durationS: Math.max(1, positive(values.duration, 'duration', full ? 10 : 1)),
    rounds: Math.max(1, positive(values.rounds, 'rounds', 3)),
    warmupS: positive(values.warmup, 'warmup', full ? 3 : 1),
    micro: values.micro!,
    soak: values.soak!,
    soakMinutes: Math.max(1, positive(values['soak-minutes'], 'soak-minutes', 10)),
    rate: Math.max(1, positive(values.rate, 'rate', 5000)),
    save: !values['no-save'],
    help: values.help!,
    pairedRounds: values['paired-rounds'] === undefined ? null : Math.max(1, positive(values['paired-rounds'], 'paired-rounds', 15)),
    pairedDurationS: values['paired-duration'] === undefined ? null : Math.max(1, positive(values['paired-duration'], 'paired-duration', 5)),
  };
}
