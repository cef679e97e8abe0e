// What the semantic cache's tests share: a fake embeddings endpoint (3 dimensions by keyword,
// counting calls, switchable to failing), a fake OpenAI chat upstream whose every answer is
// numbered (so a replayed answer is told from a fresh one), and a kong.yaml with ai-proxy and the
// cache on routes that differ by model or cache config.
import { request } from 'undici'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'

export type EmbedMode = 'ok' | 'fail' | 'wrong-dimensions'

/** weather / python / anything else, with a nudge so near prompts are near but not equal */
export function vectorOf(text: string): number[] {
  const t = text.toLowerCase()
  const nudge = (t.length % 7) / 100
  if (/weather|rain|sunny/.test(t)) return [1, nudge, 0]
  if (/python|code|program/.test(t)) return [nudge, 1, 0]
  return [0, nudge, 1]
}

export interface Fakes {
  embeddings: FakeUpstream
  chat: FakeUpstream
  embedMode: EmbedMode
  /** a raw embeddings answer (200) instead of a vector, for hostile-answer tables */
  embedAnswer: string | undefined
  /** the Cache-Control the chat upstream answers with (undefined: none) */
  cacheControl: string | undefined
  /** the next answer's content is this many bytes (0: a short numbered answer) */
  answerBytes: number
  chatCalls(): number
  embedCalls(): number
  close(): Promise<void>
}

export async function startFakes(): Promise<Fakes> {
  let n = 0
  const f: Partial<Fakes> = { embedMode: 'ok', embedAnswer: undefined, cacheControl: undefined, answerBytes: 0 }
  f.embeddings = await startUpstream((_req, res, body) => {
    const parsed = JSON.parse(body.toString()) as { input: string; model: string }
    if (f.embedMode === 'fail') { res.writeHead(500); res.end('{}'); return }
    if (f.embedAnswer !== undefined) { res.writeHead(200, { 'content-type': 'application/json' }); res.end(f.embedAnswer); return }
    const embedding = f.embedMode === 'wrong-dimensions' ? [1, 0] : vectorOf(parsed.input)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ object: 'list', model: parsed.model, data: [{ object: 'embedding', index: 0, embedding }] }))
  })
  f.chat = await startUpstream((_req, res, body) => {
    const req = JSON.parse(body.toString()) as { model: string; stream?: boolean }
    n++
    const size = f.answerBytes ?? 0
    const content = size > 0 ? 'x'.repeat(size) : `answer ${n}`
    const headers: Record<string, string> = f.cacheControl !== undefined ? { 'cache-control': f.cacheControl } : {}
    const base = { id: `chatcmpl-${n}`, created: 1700000000, model: req.model }
    if (req.stream) {
      res.writeHead(200, { ...headers, 'content-type': 'text/event-stream' })
      const chunk = (o: object) => `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', ...o })}\n\n`
      res.end(
        chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }) +
        chunk({ choices: [{ index: 0, delta: { content: content.slice(0, 3) }, finish_reason: null }] }) +
        chunk({ choices: [{ index: 0, delta: { content: content.slice(3) }, finish_reason: null }] }) +
        chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
        chunk({ choices: [], usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 } }) +
        'data: [DONE]\n\n',
      )
      return
    }
    res.writeHead(200, { ...headers, 'content-type': 'application/json' })
    res.end(JSON.stringify({
      ...base, object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 },
    }))
  })
  f.chatCalls = () => f.chat!.received.length
  f.embedCalls = () => f.embeddings!.received.length
  f.close = async () => { await f.embeddings?.close(); await f.chat?.close() }
  return f as Fakes
}

export interface CacheRoute {
  name: string
  model?: string
  cache: Record<string, unknown>
}

/** kong.yaml: per route, ai-proxy to the fake chat upstream (its model) and the cache with its config */
export function cacheConfig(f: Fakes, vectordb: Record<string, unknown>, routes: CacheRoute[]): string {
  return JSON.stringify({
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: routes.map((r) => ({ name: r.name, paths: [`/${r.name}`] })) }],
    plugins: routes.flatMap((r) => [
      {
        name: 'ai-proxy', route: r.name,
        config: {
          route_type: 'llm/v1/chat',
          auth: { header_name: 'Authorization', header_value: 'Bearer sk-upstream-secret' },
          model: { provider: 'openai', name: r.model ?? 'gpt-4o', options: { upstream_url: `${f.chat.url}/v1/chat/completions` } },
        },
      },
      {
        name: 'ai-semantic-cache', route: r.name,
        config: {
          embeddings: {
            auth: { header_name: 'Authorization', header_value: 'Bearer sk-embeddings-secret' },
            model: { provider: 'openai', name: 'text-embedding-3-small', options: { upstream_url: `${f.embeddings.url}/v1/embeddings` } },
          },
          vectordb: { dimensions: 3, distance_metric: 'cosine', threshold: 0.1, ...vectordb },
          ...r.cache,
        },
      },
    ]),
  })
}

export interface Answer {
  status: number
  headers: Record<string, string>
  text: string
  json(): Record<string, unknown>
}

export async function ask(proxy: string, route: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await request(`${proxy}/${route}`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
  })
  const text = await res.body.text()
  const h: Record<string, string> = {}
  for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h[k] = v
  return { status: res.statusCode, headers: h, text, json: () => JSON.parse(text) as Record<string, unknown> }
}

export const chat = (content: string, extra: Record<string, unknown> = {}) => ({ messages: [{ role: 'user', content }], ...extra })

export const contentOf = (a: Answer): unknown => ((a.json().choices as { message: { content: unknown } }[])[0]!).message.content
