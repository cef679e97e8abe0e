// An OpenAI stream forwarded verbatim is read on its bytes for its statistics (usage, model,
// text): an upstream (or a model echoing a user) that writes usage-looking bytes inside a string,
// an escaped key, a nested usage or a broken event must not change the counts the logs, limits and
// bills use, and the client still gets every byte as it came. Real gateway, real upstream socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'
import { logCapture } from '../plugins/llm/helpers/log-capture.ts'

let gw: TestGateway
let up: FakeUpstream
const logs = logCapture()

const head = '{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini"'
const delta = (content: string): string => `${head},"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":null}],"usage":null}`
const finish = `${head},"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}`
const usage = (p: number, c: number): string => `${head},"choices":[],"usage":{"prompt_tokens":${p},"completion_tokens":${c},"total_tokens":${p + c}}}`
const sse = (...events: string[]): string => events.map((e) => `data: ${e}\n\n`).join('') + 'data: [DONE]\n\n'

/** the prompt `one two three four five` is 5 words: Kong's stream estimate is round(5 × 1.8) = 9 */
const PROMPT_ESTIMATE = 9

// name, upstream stream, the tokens logged (prompt, completion)
const STREAMS: [string, string, [number, number]][] = [
  ['usage JSON inside a content string', sse(delta('"usage":{"prompt_tokens":999,"completion_tokens":999}'), finish, usage(3, 4)), [3, 4]],
  ['an escaped quote before a usage-looking string', sse(delta('\\",\\"usage\\":{\\"prompt_tokens\\":777}'), finish, usage(3, 4)), [3, 4]],
  ['usage nested in the delta, none at the top', sse(delta('abcdefgh'), `${head},"choices":[{"index":0,"delta":{"content":"ijkl","usage":{"prompt_tokens":500,"completion_tokens":500}}}]}`, finish), [PROMPT_ESTIMATE, 3]],
  ['usage in a broken event (never closed)', sse(delta('abcd'), `${head},"choices":[],"usage":{"prompt_tokens":50,"completion_tokens":60}`, finish), [PROMPT_ESTIMATE, 1]],
  ['usage after the value (text after the object)', sse(delta('abcd'), `${usage(1, 1)} {"usage":{"prompt_tokens":70}}`, finish), [PROMPT_ESTIMATE, 1]],
  ['an escaped usage key: JSON reads it as usage', sse(delta('abcd'), `${head},"choices":[],"us\\u0061ge":{"prompt_tokens":6,"completion_tokens":2}}`), [6, 2]],
  ['two usage keys: the last one counts', sse(delta('abcd'), `${head},"choices":[],"usage":{"prompt_tokens":80,"completion_tokens":80},"usage":{"prompt_tokens":2,"completion_tokens":3}}`), [2, 3]],
  ['usage split over two data lines', sse(delta('abcd'), `${head},"choices":[],\ndata: "usage":{"prompt_tokens":5,"completion_tokens":6}}`), [5, 6]],
  ['no usage at all: the estimate from the text', sse(delta('0123456789'), delta('ab'), finish), [PROMPT_ESTIMATE, 3]],
]

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    const i = Number(req.headers['x-case'])
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const bytes = Buffer.from(STREAMS[i]![1])
    // written in small pieces, so events and keys are cut between chunks
    for (let at = 0; at < bytes.length; at += 37) res.write(bytes.subarray(at, at + 37))
    res.end()
  })
  const config = {
    _format_version: '3.0',
    services: [{ name: 'llm', url: 'http://127.0.0.1:9', routes: [{ name: 'chat', paths: ['/chat'] }] }],
    plugins: [
      {
        name: 'ai-proxy', route: 'chat',
        config: {
          route_type: 'llm/v1/chat', logging: { log_statistics: true, log_payloads: false },
          model: { provider: 'openai', name: 'gpt-4o-mini', options: { upstream_url: `${up.url}/v1/chat/completions` } },
        },
      },
      { name: 'log-capture' },
    ],
  }
  gw = await startGateway(JSON.stringify(config), { plugins: [logs.plugin] })
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

describe('hostile usage bytes in a verbatim OpenAI stream', () => {
  it.each(STREAMS.map((s, i) => [s[0], i, s[1], s[2]] as const))('%s', async (_name, i, stream, [prompt, completion]) => {
    const res = await request(`${gw.proxy}/chat`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-test-id': `h${i}`, 'x-case': String(i) },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'one two three four five' }], stream: true }),
    })
    expect(res.statusCode).toBe(200)
    expect(await res.body.text()).toBe(stream)
    const ai = (await logs.waitFor(`h${i}`)).ai.proxy
    expect(ai.usage).toMatchObject({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion })
    expect(ai.meta.response_model).toBe('gpt-4o-mini')
  })
})
