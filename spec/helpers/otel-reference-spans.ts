// The reference for encodeRequestSpans: one request's spans as LeanSpan objects, built the plain
// way (attribute objects, hex ids). request-encode.test.ts checks the direct path writes the same
// bytes; the otel micro-benchmarks measure against it. Not on the request path.
import type { RequestTimings } from '../../pdk/tracing.ts'
import { KIND, LeanSpan, STATUS, type Attrs } from '../../plugins/opentelemetry/lean-span.ts'
import { newSpanId } from '../../plugins/opentelemetry/trace-ids.ts'
import { accessSpanName, type RequestFacts, type TracedRequest } from '../../plugins/opentelemetry/request-spans.ts'

export function requestSpans(r: TracedRequest, t: RequestTimings, f: RequestFacts): LeanSpan[] {
  const end = t.end > 0 ? t.end : performance.now()
  const attrs: Attrs = {
    'http.method': f.method,
    'http.url': `${f.scheme}://${f.host}${f.path}${f.query ? `?${f.query}` : ''}`,
    'http.host': f.host,
    'http.scheme': f.scheme,
    'http.flavor': '1.1',
    'http.client_ip': f.forwardedIp,
    'net.peer.ip': f.clientIp,
    'kong.request.id': f.requestId,
    'http.status_code': f.status,
    'http.route': f.route,
  }
  const out: LeanSpan[] = [
    new LeanSpan('kong', KIND.server, r.traceId, r.rootId, r.parentId, t.start, end, attrs, f.status >= 500 ? STATUS.error : STATUS.unset, r.parentId !== null),
  ]
  if (t.routerStart > 0) out.push(new LeanSpan('kong.router', KIND.internal, r.traceId, newSpanId(), r.rootId, t.routerStart, t.routerEnd, {}))
  const a = t.access
  for (let i = 0; i + 2 < a.length; i += 3) {
    const name = accessSpanName(a[i] as string)
    const start = a[i + 1] as number
    const stop = (a[i + 2] as number) || start
    out.push(new LeanSpan(name, KIND.internal, r.traceId, newSpanId(), r.rootId, start, stop, {}))
  }
  const tries = t.tries
  const count = tries.length / 3
  for (let i = 0; i < count; i++) {
    const last = i === count - 1
    const start = tries[i * 3] as number
    const stop = last ? end : (tries[i * 3 + 3] as number)
    const attributes: Attrs = { try_count: i + 1, 'net.peer.ip': tries[i * 3 + 1] as string, 'net.peer.port': tries[i * 3 + 2] as number }
    // a try followed by another failed (Kong marks failed tries with an error status)
    out.push(new LeanSpan('kong.balancer', KIND.client, r.traceId, last ? r.balancerId : newSpanId(), r.rootId, start, stop, attributes, last ? STATUS.unset : STATUS.error))
  }
  if (r.genai !== null) out.push(r.genai)
  return out
}
