/**
 * The opentelemetry plugin's per-request span work (plugins/opentelemetry): one request's 6 spans (server span,
 * router, 2 access handlers, a balancer try, a GenAI span) with Kong's attributes, made as
 * @opentelemetry/sdk-trace-base spans (BasicTracerProvider, a processor keeping the ended spans as a batch
 * exporter would) versus the plugin's LeanSpan records; then the export side, a batch of 198 spans (33 requests)
 * serialized to OTLP protobuf by @opentelemetry/otlp-transformer, from SDK spans or from lean spans turned into the
 * serializer's view, or by the plugin's own encoder (otlp-encode.ts). Per-request cost = creation + serialization / 33.
 *
 *   node --import tsx bench/micro/otel-spans.bench.ts
 */
import { context, trace, SpanKind, type Span } from '@opentelemetry/api';
import { BasicTracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { TracedRequest } from '../../plugins/opentelemetry/request-spans.ts';
import { requestSpans } from '../../spec/helpers/otel-reference-spans.ts';
import { KIND, LeanSpan, readable } from '../../plugins/opentelemetry/lean-span.ts';
import { encodeHeader, encodeSpans, OtlpWriter } from '../../plugins/opentelemetry/otlp-encode.ts';
import { newSpanId, newTraceId } from '../../plugins/opentelemetry/trace-ids.ts';
import type { RequestTimings } from '../../pdk/tracing.ts';
import { compare } from './measure.ts';

const o = { timeMs: Number(process.env.MICRO_TIME_MS ?? 1000) };
const resource = resourceFromAttributes({ 'service.name': 'kong', 'service.version': '0.1.0', 'service.instance.id': 'node' });
const scope = { name: 'kong-internal', version: '0.1.0' };

let ended: ReadableSpan[] = [];
const keep: SpanProcessor = {
  onStart() {}, onEnd(s) { ended.push(s); }, forceFlush: async () => {}, shutdown: async () => {},
};
const tracer = new BasicTracerProvider({ resource, spanProcessors: [keep] }).getTracer('kong-internal', '0.1.0');

const FACTS = {
  method: 'POST', scheme: 'http', host: '127.0.0.1', path: '/v1/chat/completions', query: '', clientIp: '127.0.0.1',
  forwardedIp: '127.0.0.1', requestId: '0123456789abcdef0123456789abcdef', status: 200, route: '/v1/chat/completions',
};
const GENAI = {
  'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.response.model': 'gpt-4o-mini-2024-07-18', 'gen_ai.usage.input_tokens': 25, 'gen_ai.usage.output_tokens': 12,
  'gen_ai.response.finish_reasons': ['stop'],
};

function sdkRequest(): void {
  const t0 = performance.now();
  const root = tracer.startSpan('kong', {
    kind: SpanKind.SERVER, startTime: t0,
    attributes: {
      'http.method': FACTS.method, 'http.url': `${FACTS.scheme}://${FACTS.host}${FACTS.path}`, 'http.host': FACTS.host, 'http.scheme': FACTS.scheme, 'http.flavor': '1.1',
      'http.client_ip': FACTS.forwardedIp, 'net.peer.ip': FACTS.clientIp, 'kong.request.id': FACTS.requestId,
    },
  });
  const ctx = trace.setSpan(context.active(), root);
  const child = (name: string, kind = SpanKind.INTERNAL, attributes?: Record<string, string | number | string[]>): Span =>
    tracer.startSpan(name, { kind, attributes }, ctx);
  child('kong.router').end();
  child('kong.access.plugin.ai-proxy').end();
  child('kong.access.plugin.opentelemetry').end();
  child('kong.balancer', SpanKind.CLIENT, { try_count: 1, 'net.peer.ip': '127.0.0.1', 'net.peer.port': 8080 }).end();
  child('chat gpt-4o-mini', SpanKind.CLIENT, GENAI).end();
  root.setAttribute('http.status_code', 200);
  root.setAttribute('http.route', FACTS.route);
  root.end();
}

function leanRequest(): LeanSpan[] {
  const t0 = performance.now();
  const r: TracedRequest = { traceId: newTraceId(), rootId: newSpanId(), balancerId: newSpanId(), parentId: null, genai: null };
  const t: RequestTimings = {
    start: t0, routerStart: t0 + 0.01, routerEnd: t0 + 0.02, access: ['ai-proxy', t0 + 0.03, t0 + 0.05, 'opentelemetry', t0 + 0.05, t0 + 0.06],
    tries: [t0 + 0.07, '127.0.0.1', 8080], proxyStart: t0 + 0.07, upstreamHeadAt: t0 + 0.5, end: t0 + 0.6,
  };
  r.genai = new LeanSpan('chat gpt-4o-mini', KIND.client, r.traceId, newSpanId(), r.rootId, t0 + 0.03, t0 + 0.6, { ...GENAI });
  return requestSpans(r, t, FACTS);
}

compare('per request: 6 spans with their attributes, ended and kept for export', {
  'SDK spans (BasicTracerProvider)': () => { sdkRequest(); if (ended.length > 6000) ended = []; return ended; },
  'lean spans (plugin)': () => leanRequest(),
}, o);

// export side: one batch of 33 requests' spans
ended = [];
for (let i = 0; i < 33; i++) sdkRequest();
const sdkBatch = ended;
const leanBatch = Array.from({ length: 33 }, leanRequest).flat();
const header = encodeHeader({ 'service.name': 'kong', 'service.version': '0.1.0', 'service.instance.id': 'node' }, scope);
const writer = new OtlpWriter();
compare('export: 198 spans (33 requests) to OTLP protobuf', {
  'SDK spans → ProtobufTraceSerializer': () => ProtobufTraceSerializer.serializeRequest(sdkBatch),
  'lean → readable() → ProtobufTraceSerializer': () => ProtobufTraceSerializer.serializeRequest(leanBatch.map((s) => readable(s, resource, scope))),
  'lean → otlp-encode (the plugin)': () => encodeSpans(writer, header, leanBatch),
}, o);
