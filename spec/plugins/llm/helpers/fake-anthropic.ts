// A fake Anthropic API: checks x-api-key and anthropic-version like the real one, answers the
// Messages API (JSON or SSE, text or tool use) and the legacy Complete API, and records what
// arrived so tests can check the converted body.
import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { startUpstream, type FakeUpstream } from '../../../../public/testing/upstream.ts'

export const ANTHROPIC_KEY = 'anthropic-key'
export const ANTHROPIC_VERSION = '2023-06-01'

const STREAMS = new URL('../../../fixtures/ai-proxy/anthropic/stream/', import.meta.url)
/** Kong's 09-streaming anthropic stream ("1 + 1 = 2", 15 + 9 tokens) */
export const TEXT_STREAM = readFileSync(new URL('llm-v1-chat.txt', STREAMS))
/** text then two get_weather tool calls, CRLF line ends */
export const TOOL_STREAM = readFileSync(new URL('llm-v1-chat-tools.txt', STREAMS))

export const MESSAGE_ANSWER = {
  id: 'msg_01', type: 'message', role: 'assistant', model: 'claude-2.1',
  content: [{ type: 'text', text: 'The sum of 1 + 1 is 2.' }],
  stop_reason: 'end_turn', stop_sequence: null,
  usage: { input_tokens: 14, output_tokens: 10 },
}

export const TOOL_USE_ANSWER = {
  id: 'msg_02', type: 'message', role: 'assistant', model: 'claude-2.1',
  content: [
    { type: 'text', text: 'Adding.' },
    { type: 'tool_use', id: 'toolu_01', name: 'add', input: { a: 2, b: 12 } },
  ],
  stop_reason: 'tool_use', stop_sequence: null,
  usage: { input_tokens: 40, output_tokens: 20 },
}

export const COMPLETE_ANSWER = { completion: ' Hello! My name is Claude.', stop_reason: 'stop_sequence', model: 'claude-2.1' }

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(typeof body === 'string' ? body : JSON.stringify(body))
}

export type Override = (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean

/** `override` may answer first (return true) for special paths (errors, bad answers). */
export async function startFakeAnthropic(override?: Override): Promise<FakeUpstream> {
  return startUpstream((req, res, body) => {
    if (override?.(req, res, body)) return
    if (req.headers['x-api-key'] !== ANTHROPIC_KEY) {
      return json(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } })
    }
    if (req.headers['anthropic-version'] !== ANTHROPIC_VERSION) {
      return json(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } })
    }
    let parsed: Record<string, unknown>
    try { parsed = JSON.parse(body.toString()) as Record<string, unknown> } catch {
      return json(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'not JSON' } })
    }
    if (req.url?.startsWith('/v1/complete')) return json(res, 200, COMPLETE_ANSWER)
    if (!Array.isArray(parsed.messages) || typeof parsed.max_tokens !== 'number') {
      return json(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'messages and max_tokens are required' } })
    }
    const tools = Array.isArray(parsed.tools)
    if (parsed.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.end(tools ? TOOL_STREAM : TEXT_STREAM)
      return
    }
    json(res, 200, tools ? TOOL_USE_ANSWER : MESSAGE_ANSWER)
  })
}
