/**
 * The opentelemetry plugin's export encoding: one batch of 200 lean spans (the 6 spans of a GenAI request through
 * ai-proxy, ×34, cut to 200) to an OTLP/protobuf ExportTraceServiceRequest, by @opentelemetry/otlp-transformer
 * (lean → readable() → ProtobufTraceSerializer) versus the plugin's direct encoder (otlp-encode.ts). The pair is
 * measured twice, in both orders, so a noisy neighbour shows up as disagreeing ratios. Per-request cost = op / 33.3.
 *
 *   node --import tsx bench/micro/otel-encode.bench.ts
 */
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
const RESOURCE = { 'service.name': 'kong', 'service.version': '0.1.0', 'service.instance.id': 'node' };
const resource = resourceFromAttributes(RESOURCE);
const scope = { name: 'kong-internal', version: '0.1.0' };

const FACTS = {
  method: 'POST', scheme: 'http', host: '127.0.0.1', path: '/v1/chat/completions', query: '', clientIp: '127.0.0.1',
  forwardedIp: '127.0.0.1', requestId: '0123456789abcdef0123456789abcdef', status: 200, route: '/v1/chat/completions',
};
const GENAI = {
  'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
  'gen_ai.response.model': 'gpt-4o-mini-2024-07-18', 'gen_ai.usage.input_tokens': 25, 'gen_ai.usage.output_tokens': 12,
  'gen_ai.response.finish_reasons': ['stop'], 'gen_ai.server.time_to_first_token': 0.123, 'kong.ai.cost': 0.00042,
};

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

const batch = Array.from({ length: 34 }, leanRequest).flat().slice(0, 200);
const header = encodeHeader(RESOURCE, scope);
const writer = new OtlpWriter();
const theirs = (): unknown => ProtobufTraceSerializer.serializeRequest(batch.map((s) => readable(s, resource, scope)));
const ours = (): unknown => encodeSpans(writer, header, batch);

compare('export: 200 lean spans to OTLP/protobuf', { 'otlp-transformer (readable → ProtobufTraceSerializer)': theirs, 'otlp-encode (direct)': ours }, o);
compare('again, other order', { 'otlp-encode (direct)': ours, 'otlp-transformer (readable → ProtobufTraceSerializer)': theirs }, o);
