/**
 * What the prometheus plugin adds to a request: its log phase through the phase runner, with Kong's flag
 * sets, next to the same runner with one no-op log plugin. status_code_metrics (and per_consumer) is a
 * WeakMap lookup and a field increment on a cached series; latency and bandwidth read one field each of
 * Kong's log record (kong.log.getLatencies(), getRequestSize(), getResponseSize()). With ai_metrics the
 * request's outcome is read from the exchange ai-proxy shares (kong.ctx.shared) and counted; the
 * counting alone is measured on its own too. For scale: a
 * whole proxied request costs the gateway some 20-40 µs of CPU (bench/README.md), so divide by that for
 * the share of a request.
 *
 * Last, bytes allocated per request by the log phase (fresh request contexts, the no-op plugin's bytes taken
 * away): what the machine's load does not move.
 *
 *   node --import tsx bench/micro/prometheus-log.bench.ts
 */
import { Type } from 'typebox';
import type { Consumer, Entities, PluginEntity, Route, Service } from '../../core/config/types.ts';
import { definePlugin, type AnyPlugin } from '../../core/plugins/contract.ts';
import { RequestContext } from '../../core/runloop/context.ts';
import { buildPlans, type Bound } from '../../core/runloop/plan.ts';
import { kongFor, runPhase } from '../../core/runloop/runner.ts';
import prometheus from '../../plugins/prometheus/index.ts';
import { recordAi } from '../../plugins/prometheus/ai-metrics.ts';
import type { LlmOutcome } from '../../plugins/llm/outcome/llm-outcome.ts';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compare, consume } from './measure.ts';

const o = { timeMs: 400, warmupMs: 150 };

const noop = definePlugin({ name: 'noop-log', version: '1.0.0', priority: 13, schema: Type.Object({}), log() {} }) as AnyPlugin;

const service: Service = {
  id: 'svc', name: 'svc', protocol: 'http', host: 'upstream.test', port: 80, path: null, retries: 5,
  connect_timeout: 60000, write_timeout: 60000, read_timeout: 60000, enabled: true, tls_verify: null, tags: null,
};
const route: Route = {
  id: 'r0', name: 'r0', service: { id: 'svc' }, protocols: ['http', 'https'], methods: null, hosts: null, paths: ['/v1'],
  headers: null, snis: null, strip_path: false, preserve_host: false, path_handling: 'v0', regex_priority: 0,
  https_redirect_status_code: 426, request_buffering: true, response_buffering: true, tags: null,
};
const consumer: Consumer = { id: 'c1', username: 'alice', custom_id: null, tags: null };

/** The log list of route r0 with this plugin and config on it (defaults applied as at config load). */
function logList(plugin: AnyPlugin, config: Record<string, unknown>): readonly Bound[] {
  const entities: Entities = {
    services: [service], routes: [route], consumers: [], keyauth_credentials: [], basicauth_credentials: [], acls: [],
    plugins: [{ id: 'p0', name: plugin.name, instance_name: null, config, enabled: true, protocols: ['http', 'https'],
      route: { id: 'r0' }, service: null, consumer: null, tags: null } as PluginEntity],
  };
  return buildPlans(entities, [plugin]).byRoute.get('r0')!.collected!.log!;
}

const flags = (on: Record<string, boolean>) => ({
  per_consumer: false, status_code_metrics: false, latency_metrics: false, bandwidth_metrics: false,
  upstream_health_metrics: false, ai_metrics: false, wasm_metrics: false, ...on,
});

function served(): RequestContext {
  const ctx = new RequestContext('POST', '/v1/chat/completions', '', { host: 'gw.test', 'content-type': 'application/json', 'content-length': '120' }, '127.0.0.1', 8000, 0);
  ctx.route = route;
  ctx.service = service;
  ctx.consumer = consumer;
  ctx.status = 200;
  ctx.responseSize = 512;
  ctx.endAt = ctx.start + 3;
  return ctx;
}
const base: LlmOutcome = {
  ending: 'complete', response: 'passthrough', status: 200, requestId: '', pluginId: 'p', provider: 'openai',
  requestModel: 'gpt-4o-mini', responseModel: 'gpt-4o-mini', stream: false, usage: { prompt_tokens: 25, completion_tokens: 12, total_tokens: 37 },
  cost: 0.00037, latencyMs: 120, targetLatencyMs: 110, timeToFirstTokenMs: null, tried: [0], cache: 'none',
};
const ctx = served();
// an LLM request: ai-proxy's exchange, whose outcome was set in body_filter
const llmCtx = served();
llmCtx.shared['llm.exchange'] = { outcome: base };

const lists = {
  noop: logList(noop, {}),
  defaults: logList(prometheus as AnyPlugin, flags({})),
  codes: logList(prometheus as AnyPlugin, flags({ status_code_metrics: true })),
  codesConsumer: logList(prometheus as AnyPlugin, flags({ status_code_metrics: true, per_consumer: true })),
  all: logList(prometheus as AnyPlugin, flags({ status_code_metrics: true, per_consumer: true, latency_metrics: true, bandwidth_metrics: true })),
  everything: logList(prometheus as AnyPlugin, flags({ status_code_metrics: true, per_consumer: true, latency_metrics: true, bandwidth_metrics: true,
    upstream_health_metrics: true, ai_metrics: true })),
};

console.log(`prometheus log phase (node ${process.version}), one request context reused`);
compare('runPhase(ctx, log list, "log") for one plugin on the route', {
  'baseline: a no-op log plugin': () => runPhase(ctx, lists.noop, 'log'),
  'prometheus, Kong defaults (all flags off)': () => runPhase(ctx, lists.defaults, 'log'),
  'prometheus, status_code_metrics': () => runPhase(ctx, lists.codes, 'log'),
  'prometheus, status_code_metrics + per_consumer': () => runPhase(ctx, lists.codesConsumer, 'log'),
  'prometheus, + latency_metrics + bandwidth_metrics': () => runPhase(ctx, lists.all, 'log'),
  'prometheus, every flag, an LLM request (+ ai_metrics)': () => runPhase(llmCtx, lists.everything, 'log'),
}, o);

const ids = Array.from({ length: 1024 }, (_, i) => `req-${i}`);
const outcomes = ids.map((requestId) => ({ ...base, requestId }));
let n = 0;
compare('AI metrics per LLM request: the log phase counts its outcome', {
  'record (requests, cost, 3 token counters, latency histogram)': () => recordAi(outcomes[n++ & 1023]!, 'alice'),
}, o);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const newSpaceUsed = (): number => getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space')!.space_used_size;

/** Bytes allocated per call of `run` on fresh contexts: the median of trials that start on an empty new space. */
function bytesPerRequest(make: () => RequestContext, list: readonly Bound[], n = 400): number {
  const trials: number[] = [];
  for (let t = 0; t < 9; t++) {
    const ctxs = Array.from({ length: n }, make);
    gc();
    const before = newSpaceUsed();
    for (const c of ctxs) void runPhase(c, list, 'log');
    trials.push((newSpaceUsed() - before) / n);
  }
  trials.sort((a, b) => a - b);
  return trials[trials.length >> 1]!;
}
/** an LLM request as ai-proxy leaves it: its exchange shared, the PDK modules it used already made */
const llmServed = (): RequestContext => {
  const c = served();
  c.shared['llm.exchange'] = { outcome: base };
  const k = kongFor(c);
  for (const m of [k.request, k.response, k.service, k.ctx, k.plugin, k.log]) consume(m);
  return c;
};
const noopBytes = bytesPerRequest(llmServed, lists.noop);
console.log('\nbytes allocated per request by the log phase, beyond a no-op log plugin (fresh contexts, as ai-proxy leaves them)');
for (const [what, list] of [
  ['prometheus, + latency_metrics + bandwidth_metrics', lists.all],
  ['prometheus, every flag, an LLM request (+ ai_metrics)', lists.everything],
] as const) console.log(`  ${what.padEnd(56)} ${Math.round(bytesPerRequest(llmServed, list) - noopBytes)} B`);
