// A span as the request path records it: ids, name, kind, two performance.now() readings and its
// attributes, nothing else. Encoded to OTLP/protobuf only at export, off the request path, in
// batches, by otlp-encode.ts. Measured against creating SDK spans per request: see the plugin's
// README facts in docs/ARCHITECTURE.md. readable() is @opentelemetry/otlp-transformer's view of a
// lean span, kept as the reference the encoder's tests and bench compare with.
import type { HrTime } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import type { Resource } from '@opentelemetry/resources'

export type AttrValue = string | number | boolean | string[]
export type Attrs = Record<string, AttrValue>

/** @opentelemetry/api SpanKind values */
export const KIND = { internal: 0, server: 1, client: 2 } as const
/** @opentelemetry/api SpanStatusCode values */
export const STATUS = { unset: 0, ok: 1, error: 2 } as const

export class LeanSpan {
  constructor(
    readonly name: string,
    readonly kind: number,
    readonly traceId: string,
    readonly spanId: string,
    /** null = a root span */
    readonly parentId: string | null,
    /** performance.now() ms */
    readonly start: number,
    readonly end: number,
    readonly attributes: Attrs,
    readonly status: number = STATUS.unset,
    /** the parent came from the client's headers */
    readonly remoteParent = false,
  ) {}
}

const ORIGIN = performance.timeOrigin

/** performance.now() ms → [seconds, nanoseconds] since the epoch */
function hr(ms: number): HrTime {
  const t = ORIGIN + ms
  const s = Math.floor(t / 1000)
  return [s, Math.round((t - s * 1000) * 1e6)]
}

export interface Scope { name: string; version: string }

const NO_EVENTS: never[] = []

/** otlp-transformer's view of a lean span (tests and bench: the reference encoding). */
export function readable(s: LeanSpan, resource: Resource, scope: Scope): ReadableSpan {
  const end = s.end >= s.start ? s.end : s.start
  const ctx = { traceId: s.traceId, spanId: s.spanId, traceFlags: 1 }
  return {
    name: s.name,
    kind: s.kind,
    spanContext: () => ctx,
    parentSpanContext: s.parentId === null ? undefined : { traceId: s.traceId, spanId: s.parentId, traceFlags: 1, isRemote: s.remoteParent },
    startTime: hr(s.start),
    endTime: hr(end),
    status: { code: s.status },
    attributes: s.attributes,
    links: NO_EVENTS,
    events: NO_EVENTS,
    duration: hr(end - s.start - ORIGIN),
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  } as unknown as ReadableSpan
}
