// The bench's ratios and targets against the floor (bare uWS + undici) and nginx, from hand-made medians.
import { describe, expect, it } from 'vitest';
import type { RunStats, ScenarioResult, TargetResult } from '../../bench/measure/types.ts';
import { rateRatio, ratio } from '../../bench/report/derive.ts';
import { checkGoals } from '../../bench/report/goals.ts';
import type { Role } from '../../bench/targets/types.ts';
import { parseBenchArgs } from '../../bench/cli/parse-args.ts';
import { splitTables } from '../../bench/measure/split-tables.ts';
import { latencyC1 } from '../../bench/scenarios/latency-c1.ts';

function row(label: string, role: Role, m: Partial<RunStats>): TargetResult {
  const median: RunStats = { rate: 0, p50Us: 0, p99Us: 0, cpuUs: 0, cpuS: 0, count: 1, non2xx: 0, socketErrors: 0, incomplete: 0, ...m };
  return { label, role, runs: [median], median, preflightOk: true };
}

function scenario(name: string, rows: TargetResult[], sse = false): ScenarioResult {
  return { name, title: name, load: sse ? { kind: 'sse', streams: 50 } : { kind: 'http', connections: 50 }, durationS: 1, rounds: 1, rows };
}

const goal = (results: ScenarioResult[], prefix: string) => checkGoals(results).find((g) => g.goal.startsWith(prefix))!;

describe('ratios to the floor', () => {
  it('req/s ÷ floor req/s, and NaN without a floor row', () => {
    const gw = row('gateway', 'gateway', { rate: 9000 });
    const r = scenario('plain-proxy', [row('direct', 'direct', { rate: 50000 }), row('floor (uWS + undici)', 'floor', { rate: 12000 }), gw]);
    expect(ratio(r, gw, 'floor')).toBeCloseTo(0.75);
    expect(ratio(scenario('x', [gw]), gw, 'floor')).toBeNaN();
  });

  it('SSE: streams/s ratio is independent of events per stream', () => {
    const gw = row('gateway ai-proxy', 'gateway', { rate: 600, eventsPerSec: 600 * 19 });
    const r = scenario('sse-burst', [row('floor', 'floor', { rate: 1000, eventsPerSec: 1000 * 20 }), gw], true);
    expect(rateRatio(r, gw, 'floor')).toBeCloseTo(0.6);
    expect(ratio(r, gw, 'floor')).toBeCloseTo(0.57);
  });
});

describe('goals against the floor and nginx', () => {
  it.each([
    [12000, 12000, 'pass'],
    [13000, 12000, 'pass'],
    [11999, 12000, 'FAIL'],
  ])('plain proxy c=50: gateway %d req/s, floor %d → %s', (gw, floor, status) => {
    const r = scenario('plain-proxy', [row('direct', 'direct', { rate: 50000 }), row('floor', 'floor', { rate: floor }), row('gateway', 'gateway', { rate: gw })]);
    expect(goal([r], 'plain proxy c=50 ≥ 1.0 × floor').status).toBe(status);
  });

  it.each([
    [600, 1000, 'pass'],
    [599, 1000, 'FAIL'],
  ])('SSE ai-proxy %d streams/s against the floor\'s %d → %s', (gw, floor, status) => {
    const r = scenario('sse-burst', [row('floor', 'floor', { rate: floor, eventsPerSec: floor * 20 }), row('gateway ai-proxy', 'gateway', { rate: gw, eventsPerSec: gw * 20 })], true);
    expect(goal([r], 'SSE ai-proxy (50 streams) ≥ 0.60 × floor').status).toBe(status);
  });

  it.each([
    // direct p99, nginx p99, gateway p99 (µs), status: added p99 compared with 2 × nginx's added p99
    [100, 600, 1100, 'pass'],
    [100, 600, 1101, 'FAIL'],
    [100, 600, 13500, 'FAIL'],
    [1200, 1000, 3000, 'not measured'], // nginx's added p99 below 0: a noisy run gives no scale
    [100, 100, 300, 'not measured'],
  ])('c=1: direct p99 %d, nginx %d, gateway %d → %s', (d, n, g, status) => {
    const r = scenario('latency-c1', [row('direct', 'direct', { p99Us: d }), row('nginx', 'nginx', { p99Us: n }), row('gateway', 'gateway', { p99Us: g })]);
    expect(goal([r], 'plain proxy added p99 at c=1').status).toBe(status);
  });

  it('a run with errors never passes', () => {
    const r = scenario('plain-proxy', [row('floor', 'floor', { rate: 1000 }), row('gateway', 'gateway', { rate: 2000, non2xx: 3 })]);
    expect(goal([r], 'plain proxy c=50 ≥ 1.0 × floor')).toMatchObject({ status: 'FAIL', value: expect.stringContaining('3 errors') });
  });

  it('not measured without the floor row or the scenario', () => {
    const r = scenario('plain-proxy', [row('direct', 'direct', { rate: 1 }), row('gateway', 'gateway', { rate: 2000 })]);
    expect(goal([r], 'plain proxy c=50 ≥ 1.0 × floor').status).toBe('not measured');
    expect(goal([], 'SSE ai-proxy (50 streams)').status).toBe('not measured');
  });

  it('every table of a floor scenario keeps the floor row', () => {
    const rows = [row('direct', 'direct', {}), row('nginx', 'nginx', {}), row('floor (uWS + undici)', 'floor', {}), row('gateway', 'gateway', {}),
      row('gateway ai-proxy', 'gateway', {})];
    const [t] = splitTables(latencyC1, scenario('latency-c1', rows));
    expect(t.rows.map((x) => x.role)).toEqual(['direct', 'nginx', 'floor', 'gateway', 'gateway']);
    expect(latencyC1.floor).toBe(true);
  });
});

describe('--soak options', () => {
  it.each([
    [[], { soak: false, soakMinutes: 10, rate: 5000 }],
    [['--soak'], { soak: true, soakMinutes: 10, rate: 5000 }],
    [['--soak', '--soak-minutes', '1', '--rate', '2000'], { soak: true, soakMinutes: 1, rate: 2000 }],
  ])('%j', (argv, want) => {
    expect(parseBenchArgs(argv)).toMatchObject(want);
  });

  it.each([['--rate', '-5'], ['--rate', 'fast'], ['--soak-minutes', '1.5']])('refuses %s %s', (flag, v) => {
    expect(() => parseBenchArgs(['--soak', flag, v])).toThrow(flag);
  });
});
