// The alone bench's runner: the configs it swaps (obs-overhead's a and b, a2 = a with its route renamed), the swap
// itself on a real gateway's Admin API, and that the mock and the gateway it started are stopped on every way out
// (a start that fails, a failed preflight, a swap refused, a load generator that fails, a normal end), with the
// table and the target that each way leaves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { stringify } from 'yaml';
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts';
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts';
import { applyConfig } from '../../bench/measure/apply-config.ts';
import { runAlone, type AloneContext, type AloneDeps } from '../../bench/measure/run-alone.ts';
import type { WrkRun } from '../../bench/load/wrk.ts';
import type { CpuClocks } from '../../bench/proc/cpu-clock.ts';
import { formatAlone } from '../../bench/report/format-alone.ts';
import { checkAloneGoals } from '../../bench/report/goals.ts';
import { obsOverheadAlone } from '../../bench/scenarios/obs-overhead-alone.ts';
import { obsOverhead } from '../../bench/scenarios/obs-overhead.ts';
import type { KongConfig } from '../../bench/scenarios/types.ts';

const MOCK = 'http://127.0.0.1:1';

describe('obs-overhead-alone configs', () => {
  it('a and b are obs-overhead\'s +prometheus +opentelemetry pair, with the same node settings', () => {
    const pair = obsOverhead.pairs.find((p) => p.label === '+prometheus +opentelemetry')!;
    expect(obsOverheadAlone.configs.a(MOCK)).toEqual(pair.a.config(MOCK));
    expect(obsOverheadAlone.configs.b(MOCK)).toEqual(pair.b.config(MOCK));
    expect(obsOverheadAlone.env).toEqual(pair.b.env);
    expect(obsOverheadAlone.env).toEqual({ KONG_TRACING_INSTRUMENTATIONS: 'all' });
    expect(obsOverheadAlone.request).toEqual(pair.a.request);
    expect(obsOverheadAlone.connections).toBe(50);
  });

  it('a2 differs from a only in the route\'s name', () => {
    const [a, a2] = [obsOverheadAlone.configs.a(MOCK), obsOverheadAlone.configs.a2(MOCK)];
    const route = (c: KongConfig): Record<string, unknown> => (c.services as { routes: Record<string, unknown>[] }[])[0]!.routes[0]!;
    expect(route(a2).name).not.toBe(route(a).name);
    expect({ ...a2, services: undefined }).toEqual({ ...a, services: undefined });
    expect(JSON.stringify(a2).replace(`"name":"${route(a2).name as string}"`, `"name":"${route(a).name as string}"`)).toBe(JSON.stringify(a));
  });
});

describe('applyConfig on a real gateway', () => {
  let up: FakeUpstream;
  let gw: TestGateway;
  let adminPort: number;
  const yaml = (k: 'a' | 'b' | 'a2'): string => stringify(obsOverheadAlone.configs[k](up.url));
  const hash = async (): Promise<string> => {
    const r = await request(`${gw.admin}/status`);
    return ((await r.body.json()) as { configuration_hash: string }).configuration_hash;
  };

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway(yaml('a'), { env: obsOverheadAlone.env });
    adminPort = Number(new URL(gw.admin).port);
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('each of a, b, a2 (and a again) is swapped in and answered 201; every swap is a new config', async () => {
    const seen = [await hash()];
    for (const k of ['b', 'a2', 'a'] as const) {
      const ms = await applyConfig(adminPort, yaml(k));
      expect(ms).toBeGreaterThan(0);
      seen.push(await hash());
    }
    expect(new Set(seen.slice(0, 3)).size).toBe(3); // a, b, a2 all differ
    expect(seen[3]).toBe(seen[0]); // a again
  });

  it.each([
    ['a bad field', '_format_version: "3.0"\nservices:\n  - name: b\n    port: 99999\n', /answered 400: declarative config is invalid/],
    ['an unknown plugin', stringify({ _format_version: '3.0', services: [{ name: 's', url: 'http://127.0.0.1:1', plugins: [{ name: 'no-such-plugin' }] }] }), /answered 400: .*no-such-plugin/],
    ['nothing', '', /answered 400: expected a declarative configuration/],
    ['not YAML', '{ [', /answered 400/],
  ])('%s is refused with the status and Kong\'s message, and the config in place keeps serving', async (_what, text, message) => {
    const before = await hash();
    await expect(applyConfig(adminPort, text)).rejects.toThrow(message);
    expect(await hash()).toBe(before);
  });
});

/** Fakes for everything the runner starts and reads: each start is recorded, each stop too. */
function fakes(fail: Partial<Record<'mock' | 'gateway' | 'preflight' | 'apply' | 'wrk', number>> = {}, wrkOut: Partial<WrkRun> = {}) {
  const started: string[] = [];
  const stopped: string[] = [];
  let applies = 0;
  let wrks = 0;
  let ns = 0;
  const deps: AloneDeps = {
    startMock: async () => {
      if (fail.mock !== undefined) throw new Error('mock exited (1)');
      started.push('mock');
      return { port: 1, pid: 1, stop: async () => void stopped.push('mock') };
    },
    startGateway: async () => {
      if (fail.gateway !== undefined) return { ok: false, reason: 'gateway exited (1): unknown plugin' };
      started.push('gateway');
      return { ok: true, port: 2, adminPort: 3, pid: 2, stop: async () => void stopped.push('gateway') };
    },
    preflight: async () => (fail.preflight !== undefined ? { ok: false, text: '500: boom' } : { ok: true, text: '200, 1388 B' }),
    applyConfig: async () => {
      if (++applies === fail.apply) throw new Error('POST /config answered 400: declarative config is invalid');
      return 5;
    },
    runWrk: async (o) => {
      if (++wrks === fail.wrk) throw new Error('wrk exited with 1: unable to connect');
      return { requests: 1000 * o.durationS, seconds: o.durationS, rps: 1000, p50Us: 1, p99Us: 2, non2xx: 0,
        socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 }, ...wrkOut };
    },
    // 50 ms of run time per read: every window's measured part gets the same CPU
    clocks: (): CpuClocks => ({ threadNs: new Map([['2/2', (ns += 5e7)]]), ticks: ns / 1e7, unreadable: 0 }),
    busySeconds: () => ns / 1e9,
  };
  return { deps, started, stopped, calls: () => ({ applies, wrks }) };
}

const ctx: AloneContext = { wrk: 'wrk', loadCpu: 1, gatewayCpu: 0, tmpDir: '/tmp', repoRoot: '/tmp', pairs: 2, durationS: 1, warmupS: 3, log: () => {} };
const quiet = { ...obsOverheadAlone, settleS: 1 };

describe('runAlone stops what it started, whatever the way out', () => {
  it('a normal end: 4N+1 windows, both series measured, both processes stopped', async () => {
    const f = fakes();
    const r = await runAlone(quiet, ctx, f.deps);
    expect(r.error).toBeUndefined();
    expect(r.windows.map((w) => w.kind).join(' ')).toBe('a b a a2 a b a a2 a');
    expect(f.calls()).toEqual({ applies: 3 + 9, wrks: 3 + 9 * 2 }); // warm-up over the three configs, then swap, settle, measure
    expect(r.rows.map((x) => [x.kind, x.ratio.n, x.ratio.median])).toEqual([['a2', 2, 1], ['b', 2, 1]]);
    expect(f.stopped.sort()).toEqual(['gateway', 'mock']);
    expect(checkAloneGoals([r])[0]).toMatchObject({ status: 'pass' });
  });

  it.each([
    ['the mock does not start', { mock: 1 }, [], /error: mock exited/],
    ['the gateway does not start', { gateway: 1 }, ['mock'], /unknown plugin/],
    ['the preflight fails', { preflight: 1 }, ['mock', 'gateway'], /preflight failed: 500/],
    ['a warm-up swap is refused', { apply: 2 }, ['mock', 'gateway'], /error: .*answered 400/],
    ['a window\'s swap is refused', { apply: 7 }, ['mock', 'gateway'], /error: .*answered 400/],
    ['wrk fails in a settle', { wrk: 5 }, ['mock', 'gateway'], /error: wrk exited/],
    ['wrk fails in a measured part', { wrk: 9 }, ['mock', 'gateway'], /error: wrk exited/],
  ] as const)('%s: %j → stopped %j, target not measured', async (_what, fail, stopped, why) => {
    const f = fakes(fail);
    const r = await runAlone(quiet, ctx, f.deps);
    expect(f.stopped.sort()).toEqual([...stopped].sort());
    expect(f.stopped.sort()).toEqual(f.started.sort());
    const [g] = checkAloneGoals([r]);
    expect(g).toMatchObject({ status: 'not measured', value: expect.stringMatching(why) });
    expect(formatAlone(r).split('\n').filter((l) => l.startsWith('| '))).toHaveLength(3); // header and both series: the table is still printed
  });

  it('windows with failed answers: no figures, errors counted, the target not valid', async () => {
    const f = fakes({}, { non2xx: 3 });
    const r = await runAlone(quiet, ctx, f.deps);
    expect(r.windows.every((w) => Number.isNaN(w.cpuUs))).toBe(true);
    expect(r.rows.map((x) => x.errors)).toEqual([3 * 7, 3 * 7]); // 2 windows of the series + 5 a windows, 3 each
    expect(checkAloneGoals([r])[0]).toMatchObject({ status: 'not measured', value: expect.stringContaining('not measured') });
    expect(f.stopped.sort()).toEqual(['gateway', 'mock']);
  });
});
