/**
 * One traced request's opentelemetry work as the gateway does it, through the real plugin, PDK and runloop record:
 * the record taken (startTrace), router and access readings, the plugin's access (extraction over the client's
 * headers, ids, the traceparent for the upstream), the upstream attempt (its trace headers), the plugin's log (the
 * request's spans written into the batch), the record given back (endTrace). Sampling 1.0 and 0 (sampled out: the
 * propagation headers only), default propagation (`preserve`), a client with no trace headers and one with a W3C
 * traceparent, and an ai-proxy request (its outcome on the shared exchange: the GenAI span too). Besides ns/op: bytes allocated per op (V8's new-space growth between scavenges), the figure that
 * moves GC cost and that a busy machine does not move.
 *
 *   node --import tsx bench/micro/otel-request.bench.ts     (MICRO_ONLY=GenAI: that variant alone)
 *
 * Under tsx every call into another module goes through an export getter (`get` in a CPU profile): profile the
 * bundle (bench/gc/alloc-profile.ts --bundle) before cutting calls between modules.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import otel, { exporterOf } from '../../plugins/opentelemetry/index.ts';
import type { OtelConf } from '../../plugins/opentelemetry/schema.ts';
import * as hook from '../../core/runloop/tracing-hook.ts';
import { makeKong } from '../../spec/pdk/context-factory.ts';
import { compare } from './measure.ts';
import { finishReasonsOf } from '../../plugins/llm/pipeline/finish-reasons.ts';

// (also runs from a checkout before records were reused: `--base`-style comparisons)
const h = hook as unknown as { startTrace?: () => hook.RequestTrace; endTrace?: (ctx: unknown) => void; RequestTrace: new () => hook.RequestTrace }
const startTrace = h.startTrace ?? (() => new h.RequestTrace())
const endTrace = h.endTrace ?? ((ctx: { trace: unknown }) => { ctx.trace = null })
const o = { timeMs: Number(process.env.MICRO_TIME_MS ?? 800) };
const HEADERS = { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'OpenAI/JS 4.0', authorization: 'Bearer x', 'content-length': '120' };
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

const conf = (rate: number): OtelConf => ({
  traces_endpoint: 'http://127.0.0.1:9/v1/traces', batch_span_count: 200, batch_flush_delay: 3, connect_timeout: 1000,
  send_timeout: 5000, read_timeout: 5000, header_type: 'preserve', sampling_rate: rate, propagation: { default_format: 'w3c' },
}) as OtelConf;

/** an OpenAI chat answer as ai-proxy's reader keeps it (decoded once: its finish reasons are read from the text) */
const ANSWER = JSON.stringify({
  id: 'chatcmpl-1', object: 'chat.completion', created: 1700000000, model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'The answer is 2.' }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 25, completion_tokens: 12, total_tokens: 37 },
});
/** the LlmOutcome ai-proxy leaves on its shared exchange (plugins/llm/pipeline/end-exchange.ts) */
const OUTCOME = {
  ending: 'complete', response: 'passthrough', status: 200, requestId: 'r', pluginId: null, provider: 'openai',
  requestModel: 'gpt-4o-mini', responseModel: 'gpt-4o-mini-2024-07-18', stream: false,
  usage: { prompt_tokens: 25, completion_tokens: 12, total_tokens: 37 }, cost: 0, latencyMs: 2, targetLatencyMs: 1.5,
  timeToFirstTokenMs: null, tried: [0], cache: 'none', routeType: 'llm/v1/chat', finishReasons: () => finishReasonsOf(ANSWER), payloads: null,
};

function request(c: OtelConf, headers: Record<string, string>, llm = false): () => unknown {
  const { kong, ctx, enter } = makeKong({ method: 'POST', path: '/v1/chat/completions', headers })
  if (llm) ctx.shared['llm.exchange'] = { parsed: { start: performance.now() }, outcome: OUTCOME }
  ctx.route = { paths: ['/v1/chat/completions'] } as never
  ctx.status = 200
  const upstream = ctx.upstream!
  const exporter = () => exporterOf(c)! as unknown as { ready: unknown[]; waiting: number; filling: number }
  return () => {
    ctx.trace = startTrace()
    const t = ctx.trace
    t.routerStart = performance.now()
    t.routerEnd = performance.now()
    enter('access')
    t.enter('ai-proxy'); t.leave()
    t.enter('opentelemetry')
    otel.access!(kong, c)
    t.leave()
    upstream.headers = null
    t.attempt(upstream)
    ctx.endAt = performance.now()
    enter('log')
    otel.log!(kong, c)
    endTrace(ctx)
    // sealed batches are never sent here (no event loop turn): drop them as a send would
    const e = exporter()
    if (e.ready.length > 0) { e.waiting = e.filling; e.ready.length = 0 }
    return upstream.headers
  }
}

/** bytes of new space allocated per call, over batches with no scavenge inside */
function bytesPerOp(fn: () => unknown): number {
  const used = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size
  const out: number[] = []
  for (let round = 0; round < 200 && out.length < 50; round++) {
    const a = used()
    for (let i = 0; i < 100; i++) fn()
    const b = used()
    if (b > a) out.push((b - a) / 100)
  }
  out.sort((x, y) => x - y)
  return out[out.length >> 1] ?? NaN
}

const kong0 = makeKong().kong
const one = conf(1)
const zero = conf(0)
otel.configure!(kong0, [one, zero])
const variants = {
  'sampled, no client trace': request(one, HEADERS),
  'sampled, ai-proxy answer (GenAI span)': request(one, HEADERS, true),
  'sampled, client traceparent': request(one, { ...HEADERS, traceparent: TRACEPARENT }),
  'sampled out (rate 0), no client trace': request(zero, HEADERS),
}
// MICRO_ONLY=<part of a name>: that variant alone (a CPU profile of one path)
const only = process.env.MICRO_ONLY
if (only) for (const k of Object.keys(variants) as (keyof typeof variants)[]) if (!k.includes(only)) delete variants[k]
compare('opentelemetry: one request (access + attempt + log)', variants, o)
for (const [name, fn] of Object.entries(variants)) console.log(`${name}: ${bytesPerOp(fn).toFixed(0)} B allocated per request`)
process.exit(0)
