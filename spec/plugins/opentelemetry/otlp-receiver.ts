// A fake OTLP/HTTP collector on 127.0.0.1: decodes each protobuf export request with protobufjs
// and spec/fixtures/otlp/trace.proto, and keeps the spans flattened. `hang` never answers (a slow
// collector).
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { readFileSync } from 'node:fs'
import protobuf from 'protobufjs'

const root = protobuf.parse(readFileSync(new URL('../../fixtures/otlp/trace.proto', import.meta.url), 'utf8'), { keepCase: true }).root
const Request = root.lookupType('otlp.ExportTraceServiceRequest')

export interface ReceivedSpan {
  name: string
  kind: number
  traceId: string
  spanId: string
  parentSpanId: string
  start: bigint
  end: bigint
  status: number
  attributes: Record<string, unknown>
  resource: Record<string, unknown>
  scope: string
}

export interface Receiver {
  url: string
  spans: ReceivedSpan[]
  requests: { headers: Record<string, unknown> }[]
  mode: 'ok' | 'hang'
  /** resolves once `n` spans in all have arrived */
  waitForSpans(n: number): Promise<void>
  close(): Promise<void>
}

type Any = { string_value?: string; bool_value?: boolean; int_value?: { toString(): string } | number; double_value?: number; array_value?: { values: Any[] } }

function value(v: Any | undefined): unknown {
  if (!v) return undefined
  if (v.string_value !== undefined) return v.string_value
  if (v.bool_value !== undefined) return v.bool_value
  if (v.int_value !== undefined) return Number(v.int_value.toString())
  if (v.double_value !== undefined) return v.double_value
  if (v.array_value !== undefined) return (v.array_value.values ?? []).map(value)
  return undefined
}

function attrs(list: { key: string; value?: Any }[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const kv of list ?? []) out[kv.key] = value(kv.value)
  return out
}

const hex = (b: Uint8Array | undefined): string => (b ? Buffer.from(b).toString('hex') : '')

export async function startReceiver(): Promise<Receiver> {
  const sockets = new Set<Socket>()
  const waiters: { n: number; resolve: () => void }[] = []
  const r: Partial<Receiver> = { spans: [], requests: [], mode: 'ok' }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      r.requests!.push({ headers: req.headers })
      if (r.mode === 'hang') return
      const msg = Request.toObject(Request.decode(Buffer.concat(chunks)), { longs: String, bytes: String, defaults: false }) as {
        resource_spans?: { resource?: { attributes?: { key: string; value?: Any }[] }; scope_spans?: { scope?: { name: string }; spans?: Record<string, unknown>[] }[] }[]
      }
      for (const rs of msg.resource_spans ?? []) {
        const resource = attrs(rs.resource?.attributes)
        for (const ss of rs.scope_spans ?? []) {
          for (const s of ss.spans ?? []) {
            r.spans!.push({
              name: s.name as string,
              kind: (s.kind as number | undefined) ?? 0,
              traceId: hex(Buffer.from(s.trace_id as string, 'base64')),
              spanId: hex(Buffer.from(s.span_id as string, 'base64')),
              parentSpanId: s.parent_span_id ? hex(Buffer.from(s.parent_span_id as string, 'base64')) : '',
              start: BigInt(s.start_time_unix_nano as string),
              end: BigInt(s.end_time_unix_nano as string),
              status: ((s.status as { code?: number } | undefined)?.code) ?? 0,
              attributes: attrs(s.attributes as { key: string; value?: Any }[]),
              resource,
              scope: ss.scope?.name ?? '',
            })
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' })
      res.end()
      for (let i = waiters.length - 1; i >= 0; i--) if (r.spans!.length >= waiters[i]!.n) waiters.splice(i, 1)[0]!.resolve()
    })
  })
  server.on('connection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res))
  const port = (server.address() as AddressInfo).port
  return Object.assign(r, {
    url: `http://127.0.0.1:${port}/v1/traces`,
    waitForSpans: (n: number) => new Promise<void>((resolve) => { if (r.spans!.length >= n) resolve(); else waiters.push({ n, resolve }) }),
    close: () => new Promise<void>((res) => { for (const s of sockets) s.destroy(); server.close(() => res()) }),
  }) as Receiver
}
