/**
 * What the limiters add to one request, on the phase runner with a fresh RequestContext per op (as every request):
 * access with no plugin, with rate-limiting (`local`, 3 periods, the node's counter table; `redis` with sync_rate 1,
 * the batched mode that never waits for Redis) and with ai-rate-limiting-advanced (2 windows; local, and redis with
 * sync_rate 1), plus the outcome listener's count (one publishOutcome). A throwaway redis-server takes the pushes.
 * Limits are far above the load: every op is counted and admitted.
 *
 *   node --import tsx bench/micro/rate-limit-access.bench.ts
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { Entities, PluginEntity, Route, Service } from '../../core/config/types.ts';
import type { AnyPlugin } from '../../core/plugins/contract.ts';
import { PluginRegistry } from '../../core/plugins/registry.ts';
import { RequestContext } from '../../core/runloop/context.ts';
import { buildPlans, type PhasePlan } from '../../core/runloop/plan.ts';
import { runAccess } from '../../core/runloop/runner.ts';
import rateLimiting from '../../plugins/rate-limiting/index.ts';
import aiRateLimiting from '../../plugins/ai-rate-limiting-advanced/index.ts';
import { publishOutcome } from '../../plugins/llm/outcome/outcome-bus.ts';
import type { LlmOutcome } from '../../plugins/llm/outcome/llm-outcome.ts';
import { closeRedisClients } from '../../plugins/rate-limit-counters/redis-connection.ts';
import { compare } from './measure.ts';

const port = await new Promise<number>((r) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => r(p)); }); });
const redisProc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
await new Promise<void>((r) => redisProc.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('Ready')) r(); }));
const redis = { host: '127.0.0.1', port };

const registry = new PluginRegistry([rateLimiting as AnyPlugin, aiRateLimiting as AnyPlugin]);
const conf = (name: string, c: Record<string, unknown>) => {
  const r = registry.check(name, c);
  assert.ok(r.ok, JSON.stringify(r));
  return r.value;
};

const service: Service = {
  id: 'svc', name: 'svc', protocol: 'http', host: 'upstream.test', port: 80, path: null, retries: 5,
  connect_timeout: 60000, write_timeout: 60000, read_timeout: 60000, enabled: true, tls_verify: null, tags: null,
};
const route: Route = {
  id: 'r0', name: 'r0', service: { id: 'svc' }, protocols: ['http', 'https'], methods: null, hosts: null, paths: ['/v1'],
  headers: null, snis: null, strip_path: false, preserve_host: false, path_handling: 'v0', regex_priority: 0,
  https_redirect_status_code: 426, request_buffering: true, response_buffering: true, tags: null,
};
function planOf(plugins: [AnyPlugin, Record<string, unknown>][]): PhasePlan {
  const entities: Entities = {
    services: [service], routes: [route], consumers: [], keyauth_credentials: [], basicauth_credentials: [], acls: [],
    plugins: plugins.map(([p, config], i): PluginEntity => ({
      id: `00000000-0000-4000-8000-00000000000${i}`, name: p.name, instance_name: null, config, enabled: true, protocols: ['http', 'https'],
      route: { id: 'r0' }, service: null, consumer: null, tags: null,
    })),
  };
  return buildPlans(entities, plugins.map(([p]) => p)).byRoute.get('r0')!;
}

const BIG = 1e12;
const rl = (extra: Record<string, unknown>) => conf('rate-limiting', { second: BIG, minute: BIG, hour: BIG, limit_by: 'ip', ...extra });
const arla = (extra: Record<string, unknown>) => conf('ai-rate-limiting-advanced', { llm_providers: [{ name: 'openai', limit: [BIG, BIG], window_size: [60, 3600] }], identifier: 'ip', ...extra });
const plans = {
  none: planOf([]),
  rlLocal: planOf([[rateLimiting as AnyPlugin, rl({})]]),
  rlBatched: planOf([[rateLimiting as AnyPlugin, rl({ policy: 'redis', redis, sync_rate: 1 })]]),
  arlaLocal: planOf([[aiRateLimiting as AnyPlugin, arla({})]]),
  both: planOf([[rateLimiting as AnyPlugin, rl({ policy: 'redis', redis, sync_rate: 1 })], [aiRateLimiting as AnyPlugin, arla({ strategy: 'redis', redis, sync_rate: 1 })]]),
};

let n = 0;
const newCtx = () => new RequestContext('POST', '/v1/chat/completions', '', { host: 'gw.test', 'content-type': 'application/json' }, '127.0.0.1', 8000, 0);
const outcome = (requestId: string): LlmOutcome => ({
  ending: 'complete', response: 'passthrough', status: 200, requestId, pluginId: 'p', provider: 'openai', requestModel: 'm', responseModel: 'm',
  stream: false, usage: { prompt_tokens: 25, completion_tokens: 12, total_tokens: 37 }, cost: 0, latencyMs: 1, targetLatencyMs: 1,
  timeToFirstTokenMs: null, tried: [0], cache: 'none',
});
/** access, then (token limits) the outcome the exchange publishes at its end */
const request = (plan: PhasePlan, llm: boolean) => {
  const c = newCtx();
  const r = runAccess(c, plan);
  assert.ok(!(r instanceof Promise));
  if (llm) publishOutcome(outcome(c.requestId));
  return n++;
};
for (const [k, p] of Object.entries(plans)) {
  const c = newCtx();
  runAccess(c, p);
  if (k !== 'none' && k !== 'both') assert.equal(c.exit, null);
}

console.log(`rate-limit-access (node ${process.version}): new context + access per op`);
compare('access', {
  'no plugin': () => request(plans.none, false),
  'rate-limiting local (3 periods)': () => request(plans.rlLocal, false),
  'rate-limiting redis, sync_rate 1 (3 periods)': () => request(plans.rlBatched, false),
  'ai-rate-limiting-advanced local (2 windows) + outcome': () => request(plans.arlaLocal, true),
  'both, redis, sync_rate 1 (+ outcome)': () => request(plans.both, true),
}, { timeMs: 1000, warmupMs: 300 });

await closeRedisClients();
redisProc.kill();
process.exit(0);
