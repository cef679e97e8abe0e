/**
 * The phase runner (core/runloop/runner.ts) with 0, 1 and 5 synchronous no-op plugins bound to one route:
 * `runAccess` on the route's static plan (access handlers + the collected lists), `runPhase(…, 'log')` on the
 * collected log list, and `runHeaderFilter`. The baseline is the bare loop of the same handler calls, so the gap is
 * what the runner adds per plugin (phase bookkeeping, try/catch, the thenable check). The context is reused (its PDK
 * object already made); creating a context and its PDK, which every request pays once, is measured on its own.
 * Then the promise path: one async plugin among 5 (its promise awaited, as the pipeline does), next to the all-sync
 * plan, whose plain result the pipeline uses at once.
 * Before measuring, runPhase is run with each phase name the pipeline gives it (rewrite, access, response, log), as
 * in a running gateway: its `plugin[phase]` lookup then sees four keys, which costs more per plugin than a process
 * that only ever runs one phase would show.
 *
 *   node --import tsx bench/micro/phase-runner.bench.ts
 */
import assert from 'node:assert/strict';
import { Type } from 'typebox';
import type { Entities, PluginEntity, Route, Service } from '../../core/config/types.ts';
import { definePlugin, type AnyPlugin } from '../../core/plugins/contract.ts';
import { RequestContext } from '../../core/runloop/context.ts';
import { buildPlans, type Bound, type PhasePlan } from '../../core/runloop/plan.ts';
import { kongFor, runAccess, runHeaderFilter, runPhase } from '../../core/runloop/runner.ts';
import { compare, compareAsync } from './measure.ts';

const o = { timeMs: 300, warmupMs: 100 };

function noop(name: string, priority: number, async = false): AnyPlugin {
  return definePlugin({
    name, version: '1.0.0', priority, schema: Type.Object({}),
    access: async ? () => Promise.resolve() : () => {},
    header_filter() {},
    log() {},
  }) as AnyPlugin;
}

const service: Service = {
  id: 'svc', name: 'svc', protocol: 'http', host: 'upstream.test', port: 80, path: null, retries: 5,
  connect_timeout: 60000, write_timeout: 60000, read_timeout: 60000, enabled: true, tls_verify: null, tags: null,
};
const route: Route = {
  id: 'r0', name: 'r0', service: { id: 'svc' }, protocols: ['http', 'https'], methods: null, hosts: null, paths: ['/v1'],
  headers: null, snis: null, strip_path: false, preserve_host: false, path_handling: 'v0', regex_priority: 0,
  https_redirect_status_code: 426, request_buffering: true, response_buffering: true, tags: null,
};

/** The static plan of route r0 with these plugins enabled on it (route scope, empty config). */
function planOf(plugins: AnyPlugin[]): PhasePlan {
  const entities: Entities = {
    services: [service], routes: [route], consumers: [], keyauth_credentials: [], basicauth_credentials: [], acls: [],
    plugins: plugins.map((p, i): PluginEntity => ({
      id: `p${i}`, name: p.name, instance_name: null, config: {}, enabled: true, protocols: ['http', 'https'],
      route: { id: 'r0' }, service: null, consumer: null, tags: null,
    })),
  };
  return buildPlans(entities, plugins).byRoute.get('r0')!;
}

function newCtx(): RequestContext {
  return new RequestContext('POST', '/v1/chat/completions', '', { host: 'gw.test', 'content-type': 'application/json' }, '127.0.0.1', 8000, 0);
}

const sync = (n: number) => Array.from({ length: n }, (_, i) => noop(`noop-${i}`, 1000 - i));
const plans = { 0: planOf(sync(0)), 1: planOf(sync(1)), 5: planOf(sync(5)) };
const oneAsync = planOf([...sync(2), noop('async-2', 998, true), ...sync(5).slice(3)]);
const EMPTY: readonly Bound[] = [];

const ctx = newCtx();
const kong = kongFor(ctx);

// the gateway's steady state: runPhase has seen every phase name it is called with
const allPhases = definePlugin({
  name: 'warm', version: '1.0.0', priority: 0, schema: Type.Object({}), rewrite() {}, access() {}, response() {}, log() {},
}) as AnyPlugin;
const warmList: Bound[] = [{ plugin: allPhases, conf: {} }, { plugin: allPhases, conf: {} }];
for (let i = 0; i < 20_000; i++) for (const phase of ['rewrite', 'access', 'response', 'log'] as const) runPhase(ctx, warmList, phase);
for (const p of [...Object.values(plans), oneAsync]) assert.ok(p.collected, 'a plan without consumer configs is static');
assert.equal(plans[0].access, null);
assert.equal(plans[5].collected!.log!.length, 5);
assert.ok(!(runAccess(ctx, plans[5]) instanceof Promise), 'all-sync access returns the collected lists directly');
assert.ok(runAccess(ctx, oneAsync) instanceof Promise, 'an async handler turns the rest of the phase into a promise');

const log = (n: 0 | 1 | 5) => plans[n].collected!.log ?? EMPTY;
const hf = (n: 0 | 1 | 5) => plans[n].collected!.header_filter ?? EMPTY;
const bare5 = plans[5].collected!.log!;

console.log(`phase-runner (node ${process.version}): no-op plugins on one route, context reused`);
compare('runAccess (static plan): access handlers, returns the collected lists', {
  '0 plugins': () => runAccess(ctx, plans[0]),
  '1 plugin': () => runAccess(ctx, plans[1]),
  '5 plugins': () => runAccess(ctx, plans[5]),
  'baseline: 5 bare access() calls': () => { for (const b of bare5) b.plugin.access!(kong, b.conf); return bare5; },
}, o);
compare("runPhase(ctx, collected.log, 'log') and runHeaderFilter", {
  'log, 0 plugins (empty list)': () => runPhase(ctx, log(0), 'log'),
  'log, 1 plugin': () => runPhase(ctx, log(1), 'log'),
  'log, 5 plugins': () => runPhase(ctx, log(5), 'log'),
  'header_filter, 5 plugins': () => runHeaderFilter(ctx, hf(5)),
  'baseline: 5 bare log() calls': () => { for (const b of bare5) b.plugin.log!(kong, b.conf); return bare5; },
}, o);
compare('per request: a new RequestContext (and its PDK object, made on first use)', {
  'new RequestContext': () => newCtx(),
  'new RequestContext + kongFor': () => kongFor(newCtx()),
  'new ctx + access/header_filter/log, 5 plugins': () => {
    const c = newCtx();
    const col = runAccess(c, plans[5]) as Exclude<ReturnType<typeof runAccess>, Promise<unknown>>;
    runHeaderFilter(c, col.header_filter!);
    return runPhase(c, col.log!, 'log');
  },
}, o);

await compareAsync('the promise path: runAccess, 5 plugins, a returned promise awaited', {
  'all sync (plain result, no await)': () => runAccess(ctx, plans[5]),
  '1 async plugin (Promise.resolve()) + 4 sync': () => runAccess(ctx, oneAsync),
}, o);
