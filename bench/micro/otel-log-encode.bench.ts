/**
 * The opentelemetry log phase's encoding alone: one ai-proxy request's spans (server span, router, 2 access
 * handlers, a balancer try, the GenAI span) written from a TimingsBuffer, the request facts and an LlmOutcome
 * into a batch writer (encodeRequestSpans + encodeGenaiSpan), no PDK, no export. ns/op and bytes allocated per op.
 *
 *   node --import tsx bench/micro/otel-log-encode.bench.ts
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { TimingsBuffer } from '../../pdk/tracing.ts';
import { encodeRequestSpans, type RequestFacts, type SpanSink, type TracedRequest } from '../../plugins/opentelemetry/request-spans.ts';
import { encodeGenaiSpan } from '../../plugins/opentelemetry/genai-span.ts';
import { childIds, OtlpWriter, setChildIds } from '../../plugins/opentelemetry/otlp-encode.ts';
import { newSpanId, newTraceId } from '../../plugins/opentelemetry/trace-ids.ts';
import { finishReasonsOf } from '../../plugins/llm/pipeline/finish-reasons.ts';
import { compare } from './measure.ts';
import { OPENAI_CHAT_JSON } from '../mock/openai-answers.ts';

const o = { timeMs: Number(process.env.MICRO_TIME_MS ?? 1000) };
const FACTS: RequestFacts = {
  method: 'POST', scheme: 'http', host: '127.0.0.1', path: '/v1/chat/completions', query: '', clientIp: '127.0.0.1',
  forwardedIp: '127.0.0.1', requestId: '0123456789abcdef0123456789abcdef', status: 200, route: '/v1/chat/completions',
};
/** the bench mock's OpenAI chat answer (pretty-printed, ~1.4 KB), as ai-proxy's reader keeps its text */
const ANSWER = OPENAI_CHAT_JSON.toString('utf8');
const OUTCOME = {
  ending: 'complete', response: 'passthrough', status: 200, requestId: 'r', pluginId: null, provider: 'openai',
  requestModel: 'gpt-4o-mini', responseModel: 'gpt-4o-mini-2024-07-18', stream: false,
  usage: { prompt_tokens: 25, completion_tokens: 12, total_tokens: 37 }, cost: 0, latencyMs: 2, targetLatencyMs: 1.5,
  timeToFirstTokenMs: null, tried: [0], cache: 'none', routeType: 'llm/v1/chat', finishReasons: () => finishReasonsOf(ANSWER), payloads: null,
} as never;

const w = new OtlpWriter();
let spans = 0;
const sink: SpanSink = { spanWriter: () => w, spanDone: () => { if (++spans >= 200) { spans = 0; w.pos = 0 } }, spanFailed: (e) => { throw e } };
const t0 = performance.now();
const timings = new TimingsBuffer().setFrom({
  start: t0, routerStart: t0 + 0.01, routerEnd: t0 + 0.02, access: ['ai-proxy', t0 + 0.03, t0 + 0.05, 'opentelemetry', t0 + 0.05, t0 + 0.06],
  tries: [t0 + 0.07, '127.0.0.1', 8080], proxyStart: t0 + 0.07, upstreamHeadAt: t0 + 0.5, end: t0 + 0.6,
});
const traceId = newTraceId(), rootId = newSpanId(), balancerId = newSpanId();
/** the id fields decoded once, as the plugin's live record carries them (request-ids.ts) */
const ids = childIds();
setChildIds(ids, traceId, rootId, balancerId);
const r: TracedRequest = { traceId, rootId, balancerId, parentId: null, genai: null, ids };

const requestOnly = (): unknown => { encodeRequestSpans(sink, r, timings, FACTS); return w.pos };
const withGenai = (): unknown => {
  encodeRequestSpans(sink, r, timings, FACTS);
  encodeGenaiSpan(sink.spanWriter()!, r, OUTCOME, t0 + 2);
  sink.spanDone();
  return w.pos;
};
const genaiOnly = (): unknown => {
  encodeGenaiSpan(sink.spanWriter()!, r, OUTCOME, t0 + 2);
  sink.spanDone();
  return w.pos;
};
/** a path per request (ids in it), made beforehand */
const PATHS = Array.from({ length: 1024 }, (_, i) => `/v1/users/${100000 + i}/chat/completions`);
let nextPath = 0;
const VARYING: RequestFacts = { ...FACTS };
const varyingPath = (): unknown => {
  VARYING.path = PATHS[nextPath++ & 1023]!;
  encodeRequestSpans(sink, r, timings, VARYING);
  return w.pos;
};
const reasons = (): unknown => finishReasonsOf(ANSWER);

function bytesPerOp(fn: () => unknown): number {
  const used = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
  const out: number[] = [];
  for (let round = 0; round < 200 && out.length < 50; round++) {
    const a = used();
    for (let i = 0; i < 100; i++) fn();
    const b = used();
    if (b > a) out.push((b - a) / 100);
  }
  out.sort((x, y) => x - y);
  return out[out.length >> 1] ?? NaN;
}

const variants: Record<string, () => unknown> = { 'request spans (5)': requestOnly, 'request spans + GenAI span (6)': withGenai, 'GenAI span alone': genaiOnly, 'request spans, a path per request': varyingPath, 'finish reasons alone': reasons };
// MICRO_ONLY=<part of a name>: that variant alone (a CPU profile of one path)
const only = process.env.MICRO_ONLY;
if (only) for (const k of Object.keys(variants)) if (!k.includes(only)) delete variants[k];
// MICRO_LOOP=<n>: the (first) variant n times and nothing else, for `perf stat -e instructions` (a count a busy
// machine does not move; subtract a run with MICRO_LOOP=1 for the start-up)
const loop = Number(process.env.MICRO_LOOP ?? 0);
if (loop > 0) {
  const fn = Object.values(variants)[0]!;
  for (let i = 0; i < loop; i++) fn();
  process.exit(0);
}
compare('opentelemetry log phase: encoding one ai-proxy request', variants, o);
for (const [name, fn] of Object.entries(variants)) console.log(`${name}: ${bytesPerOp(fn).toFixed(0)} B allocated per op`);
process.exit(0);
