// A fake OpenAI-compatible upstream: answers chat, completions and embeddings (JSON or SSE) and
// records what arrived, so tests check the auth header, the model and the exact body bytes.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { startUpstream, type FakeUpstream } from '../../../../public/testing/upstream.ts'

export const CHAT_ANSWER = {
  id: 'chatcmpl-1', object: 'chat.completion', created: 1700000000, model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'The answer is 2.' }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 25, completion_tokens: 12, total_tokens: 37 },
}

export const TOOL_ANSWER = {
  id: 'chatcmpl-2', object: 'chat.completion', created: 1700000000, model: 'gpt-4o-mini-2024-07-18',
  choices: [{
    index: 0, finish_reason: 'tool_calls', logprobs: null,
    message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":12}' } }] },
  }],
  usage: { prompt_tokens: 40, completion_tokens: 9, total_tokens: 49 },
}

export const EMBEDDINGS_ANSWER = {
  object: 'list', model: 'text-embedding-3-small',
  data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2, 0.3] }],
  usage: { prompt_tokens: 4, total_tokens: 4 },
}

const STREAM_TEXT = ['The', ' answer', ' is', ' 2', '.']

/** An OpenAI chat stream: role chunk, content chunks, finish chunk, [DONE]. */
export function chatStream(model = 'gpt-4o-mini', usage = false): string {
  const base = { id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1700000000, model }
  const events = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    ...STREAM_TEXT.map((t) => ({ ...base, choices: [{ index: 0, delta: { content: t }, finish_reason: null }] })),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    ...(usage ? [{ ...base, choices: [], usage: { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 } }] : []),
  ]
  return events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n'
}

export function toolStream(): string {
  const base = { id: 'chatcmpl-t', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o-mini' }
  const events = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'add', arguments: '' } }] }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"a":2,' } }] }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"b":12}' } }] }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
  ]
  return events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n'
}

export type Override = (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean

/** `override` may answer first (return true) for special cases (errors, bad answers). */
export async function startFakeOpenAi(override?: Override): Promise<FakeUpstream> {
  return startUpstream((req, res, body) => {
    if (override?.(req, res, body)) return
    let parsed: Record<string, unknown> = {}
    try { parsed = JSON.parse(body.toString()) as Record<string, unknown> } catch { /* not JSON */ }
    const url = req.url ?? ''
    if (parsed.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'set-cookie': 'upstream=1' })
      const tools = Array.isArray(parsed.tools)
      res.end(tools ? toolStream() : chatStream(String(parsed.model), (parsed.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true))
      return
    }
    const answer = url.includes('/embeddings') ? EMBEDDINGS_ANSWER : Array.isArray(parsed.tools) ? TOOL_ANSWER : CHAT_ANSWER
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'upstream=1' })
    res.end(JSON.stringify(answer))
  })
}
