// The conformance suite of a provider driver (as hono declares its router tests once and runs
// them on every router): give it the driver, how to build its context, and the driver's own
// recorded cases; it declares the describe/it blocks every driver must pass:
//  - request encoding: OpenAI request → the provider's URL, headers and body (null: the client's
//    bytes go unchanged), after the pipeline's merge of model.options (withOptionDefaults),
//  - response decoding: the provider's 200 answer → OpenAI's answer, with the model it reports,
//  - usage extraction: the token counts read from that answer,
//  - error mapping: a request the provider cannot take, or an answer that cannot be used, comes
//    out as Kong's `{"error":{"message"}}` with Kong's status (what header_filter answers),
//  - hostile input: answers and requests shaped to pollute prototypes change nothing global and
//    never throw anything but an Error,
//  - streams: the recorded upstream streams through the stream-conversion suite (every client
//    format, every byte cut, usage, errors midway).
import { describe, expect, it } from 'vitest'
import { statusOf } from '../../../../plugins/llm/errors.ts'
import { withOptionDefaults } from '../../../../plugins/llm/pipeline/option-defaults.ts'
import type { DriverContext, LlmRequest, ModelOptions, ProviderDriver, RouteType, TokenUsage, UpstreamTarget } from '../../../../plugins/llm/types.ts'
import { describeStreamConversion, type Recording } from '../transcoders/stream-conversion.case.ts'

export interface ContextOptions {
  route?: RouteType
  /** model.options over the adapter's defaults */
  options?: ModelOptions
  stream?: boolean
  /** extra context fields (clientPath, clientQuery, clientMethod, llmFormat, a model name) */
  ctx?: Partial<Omit<DriverContext, 'model'>> & { name?: string | null }
}

export interface RequestCase extends ContextOptions {
  name: string
  request: LlmRequest
  /** scheme://host:port/path?query as the driver targets it */
  url: string
  /** headers the driver adds (all of them, in order); omitted: not checked */
  headers?: readonly (readonly [string, string])[]
  /** the provider's body (parsed); null: the client's bytes are sent unchanged */
  body: unknown
  /** compare `body` as a subset of what is sent (the rest is the driver's own test) */
  partial?: boolean
}

export interface ResponseCase extends ContextOptions {
  name: string
  /** the provider's 200 answer: an object (sent as JSON) or its raw text */
  answer: unknown
  /** the OpenAI answer the client gets (parsed); null: the upstream bytes unchanged */
  openai: unknown
  partial?: boolean
  usage: TokenUsage | null
  /** the model the provider reports (undefined: not checked) */
  model?: string | null
}

export interface ErrorCase extends ContextOptions {
  name: string
  /** a request the driver refuses to encode, or a 200 answer it cannot decode */
  request?: LlmRequest
  answer?: unknown
  status: number
  message: string | RegExp
}

export interface DriverSuite {
  driver: ProviderDriver
  /** the context of a request: the provider's model and required options, over which the case's go */
  ctx(c: ContextOptions): DriverContext
  requests: readonly RequestCase[]
  responses: readonly ResponseCase[]
  errors: readonly ErrorCase[]
  /** recorded upstream streams (the stream-conversion suite runs them); none for a driver without a stream of its own */
  streams?: readonly { name: string; context?: ContextOptions; model?: string; recordings: readonly Recording[] }[]
}

const bodyOf = (answer: unknown): Buffer => Buffer.isBuffer(answer) ? answer : Buffer.from(typeof answer === 'string' ? answer : JSON.stringify(answer))

const urlOf = (t: UpstreamTarget): string => `${t.scheme}://${t.host}:${t.port}${t.path}${t.query ? `?${t.query}` : ''}`

/** What the client gets when the driver throws: Kong's error body and status (header_filter's rule). */
function clientError(e: unknown, driver: ProviderDriver, route: RouteType): { status: number; body: unknown } {
  const known = statusOf(e)
  const message = known?.message ?? `transformation failed from type ${driver.id}://${route}: ${(e as Error).message}`
  return { status: known ? known.status : 500, body: { error: { message } } }
}

function encoded(s: DriverSuite, c: DriverContext, req: LlmRequest): unknown {
  const out = s.driver.encodeRequest(withOptionDefaults(req, c.model.options), Buffer.from(JSON.stringify(req)), c)
  return out === null ? null : JSON.parse(out)
}

/** Bodies built to reach Object.prototype through a careless merge, or to trip a careless reader. */
const HOSTILE: readonly string[] = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"choices":[{"__proto__":{"polluted":"yes"},"message":{"__proto__":{"polluted":"yes"}}}],"usage":{"__proto__":{"polluted":"yes"}}}',
  '{"content":[{"__proto__":{"polluted":"yes"}}],"candidates":[{"__proto__":{"polluted":"yes"}}]}',
  'null', '[]', '"text"', '42', 'true', '{"choices":null,"usage":"x","content":7,"candidates":{}}', '', '{', '\u0000',
]

function unpolluted(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  expect(Object.prototype).not.toHaveProperty('polluted')
}

export function describeDriver(name: string, s: DriverSuite): void {
  describe(`driver conformance: ${name}`, () => {
    // a table may be empty for a variant that only adds requests (describe.each of nothing is an error)
    if (s.requests.length > 0) describe('request encoding', () => {
      it.each(s.requests.map((r) => [r.name, r] as const))('%s', (_, r) => {
        const c = s.ctx(r)
        expect(s.driver.routes.has(c.route)).toBe(true)
        expect(urlOf(s.driver.target(c))).toBe(r.url)
        if (r.headers !== undefined) expect(s.driver.headers?.(c) ?? []).toEqual(r.headers)
        const body = encoded(s, c, r.request)
        if (r.partial && r.body !== null) expect(body).toMatchObject(r.body as object)
        else expect(body).toEqual(r.body)
      })
    })

    if (s.responses.length > 0) describe('response decoding and usage', () => {
      it.each(s.responses.map((r) => [r.name, r] as const))('%s', (_, r) => {
        const d = s.driver.decodeResponse(bodyOf(r.answer), s.ctx(r))
        const openai = d.body === null ? null : JSON.parse(d.body)
        if (r.partial && r.openai !== null) expect(openai).toMatchObject(r.openai as object)
        else expect(openai).toEqual(r.openai)
        expect(d.usage).toEqual(r.usage)
        if (r.model !== undefined) expect(d.model).toBe(r.model)
      })
    })

    if (s.errors.length > 0) describe('error mapping', () => {
      it.each(s.errors.map((r) => [r.name, r] as const))('%s', (_, r) => {
        const c = s.ctx(r)
        let thrown: unknown = null
        try {
          if (r.request !== undefined) encoded(s, c, r.request)
          else s.driver.decodeResponse(bodyOf(r.answer), c)
        } catch (e) { thrown = e }
        expect(thrown, 'the driver refuses').not.toBeNull()
        const answer = clientError(thrown, s.driver, c.route)
        expect(answer.status).toBe(r.status)
        const message = (answer.body as { error: { message: string } }).error.message
        if (typeof r.message === 'string') expect(message).toBe(r.message)
        else expect(message).toMatch(r.message)
      })
    })

    describe('hostile input', () => {
      const routes = [...new Set([...s.responses, ...s.requests].map((r) => s.ctx(r).route))]
      it.each(routes.flatMap((route) => HOSTILE.map((body) => [route, body] as const)))('%s answer %j: an Error or an answer, nothing polluted', (route, body) => {
        const c = s.ctx({ route })
        try {
          const d = s.driver.decodeResponse(Buffer.from(body), c)
          if (d.body !== null) expect(typeof d.body).toBe('string')
        } catch (e) {
          expect(e).toBeInstanceOf(Error)
          expect(clientError(e, s.driver, route).status).toBeGreaterThanOrEqual(400)
        }
        unpolluted()
      })

      if (s.requests.length > 0) it.each(s.requests.map((r) => [r.name, r] as const))('request %s with prototype keys: nothing polluted', (_, r) => {
        // own keys, as JSON.parse makes them from a client's body
        const req: LlmRequest = JSON.parse(JSON.stringify(r.request))
        Object.defineProperty(req, '__proto__', { value: { polluted: 'yes' }, enumerable: true, configurable: true, writable: true })
        Object.defineProperty(req, 'constructor', { value: { prototype: { polluted: 'yes' } }, enumerable: true, configurable: true, writable: true })
        try { encoded(s, s.ctx(r), req) } catch (e) { expect(e).toBeInstanceOf(Error) }
        unpolluted()
      })
    })
  })

  for (const st of s.streams ?? []) {
    const c = s.ctx({ ...st.context, stream: true })
    describeStreamConversion(st.name, { create: () => s.driver.stream(c), model: st.model, recordings: st.recordings })
  }
}
