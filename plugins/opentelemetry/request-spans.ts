// One request's spans in Kong's shape (kong/observability/tracing/instrumentation.lua): the
// server span `kong` with Kong's http.* attributes, `kong.router`, `kong.access.plugin.<name>`
// per access handler, `kong.balancer` per upstream try (client spans; the last one is the span
// the upstream was told about), and the GenAI span the LLM outcome gave, if any.
import type { RequestTimings } from '../../pdk/tracing.ts'
import { KIND, LeanSpan, STATUS, type Attrs } from './lean-span.ts'
import { newSpanId } from './trace-ids.ts'

/** A sampled request's tracing state, from access to log. */
export interface TracedRequest {
  readonly traceId: string
  readonly rootId: string
  /** the span id injected upstream: the last balancer try's */
  readonly balancerId: string
  /** the caller's span, from its headers */
  readonly parentId: string | null
  genai: LeanSpan | null
}

/** What the log phase reads through the PDK for the server span. */
export interface RequestFacts {
  method: string
  url: string
  host: string
  scheme: string
  clientIp: string
  forwardedIp: string
  requestId: string
  status: number
  route: string
}

/** `kong.access.plugin.<name>` per plugin name, made once (plugin names come from the config) */
const accessNames = new Map<string, string>()
const MAX_ACCESS_NAMES = 1000

function accessSpanName(plugin: string): string {
  let n = accessNames.get(plugin)
  if (n === undefined) {
    n = `kong.access.plugin.${plugin}`
    if (accessNames.size < MAX_ACCESS_NAMES) accessNames.set(plugin, n)
  }
  return n
}

export function requestSpans(r: TracedRequest, t: RequestTimings, f: RequestFacts): LeanSpan[] {
  const end = t.end > 0 ? t.end : performance.now()
  const attrs: Attrs = {
    'http.method': f.method,
    'http.url': f.url,
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
