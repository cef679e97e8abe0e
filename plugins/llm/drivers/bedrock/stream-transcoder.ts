// Bedrock ConverseStream (binary event-stream) → OpenAI SSE chunks (Kong's handle_stream_event).
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
import { randomUUID } from 'node:crypto'
import type { DriverContext, StreamTranscoder, TokenUsage } from '../../types.ts'
import { createAwsEventStreamFramer, type AwsEvent } from '../../transcoders/aws-event-stream.ts'
import { STRUCTURED_OUTPUT_TOOL } from './encode-request.ts'
import { finishReasonOf, usageOf } from './decode-response.ts'

const DONE = 'data: [DONE]\n\n'
const EMPTY = Buffer.alloc(0)
const utf8 = new TextDecoder()

interface StreamBody {
  role?: string
  contentBlockIndex?: number
  start?: { toolUse?: { toolUseId?: string; name?: string } }
  delta?: { text?: string; toolUse?: { input?: string } }
  stopReason?: string
  usage?: { inputTokens?: number; outputTokens?: number; totalTokens?: number }
  message?: string
}

export function createBedrockTranscoder(ctx: DriverContext): StreamTranscoder {
  const framer = createAwsEventStreamFramer()
  const events: AwsEvent[] = []
  const model = ctx.model.name ?? null
  const id = `chatcmpl-${randomUUID()}`
  const created = Math.floor(Date.now() / 1000)
  let usage: TokenUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
  let text = ''
  let finishReason: string | null = null
  let done = false
  // OpenAI numbers tool calls 0, 1, ...; Bedrock numbers content blocks, text ones included
  const toolIndex = new Map<number, number>()
  let structuredBlock = -1

  const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      system_fingerprint: null,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    })}\n\n`

  const convert = (event: AwsEvent): string | null => {
    let body: StreamBody
    try {
      body = JSON.parse(utf8.decode(event.body))
    } catch {
      return null
    }
    if (body === null || typeof body !== 'object') return null
    if (event.messageType !== 'event') {
      // a mid-stream failure (throttlingException, ...): OpenAI clients raise on an `error` event
      return `data: ${JSON.stringify({ error: { message: body.message ?? event.type, type: event.type } })}\n\n`
    }
    const block = body.contentBlockIndex ?? 0
    switch (event.type) {
      case 'messageStart':
        return chunk({ role: body.role ?? 'assistant', content: '' })
      case 'contentBlockStart': {
        const use = body.start?.toolUse
        if (use === undefined) return null
        if (use.name === STRUCTURED_OUTPUT_TOOL) {
          structuredBlock = block
          return chunk({ role: 'assistant', content: '' })
        }
        const index = toolIndex.size
        toolIndex.set(block, index)
        return chunk({ tool_calls: [{ index, id: use.toolUseId, type: 'function', function: { name: use.name, arguments: '' } }] })
      }
      case 'contentBlockDelta': {
        const delta = body.delta
        if (delta === undefined) return null
        if (delta.toolUse !== undefined) {
          const args = delta.toolUse.input ?? ''
          if (block === structuredBlock) {
            text += args
            return chunk({ content: args })
          }
          return chunk({ tool_calls: [{ index: toolIndex.get(block) ?? 0, function: { arguments: args } }] })
        }
        // with structured output, chatter around the forced tool call is not the answer
        if (typeof delta.text !== 'string' || delta.text === '' || structuredBlock >= 0) return null
        text += delta.text
        return chunk({ content: delta.text })
      }
      case 'messageStop':
        finishReason = structuredBlock >= 0 && body.stopReason === 'tool_use' ? 'stop' : finishReasonOf(body.stopReason)
        return chunk({}, finishReason)
      case 'metadata':
        usage = usageOf(body.usage) ?? usage
        done = true
        return DONE
      default:
        // contentBlockStop carries nothing OpenAI needs
        return null
    }
  }

  const drain = (): Buffer => {
    if (events.length === 0) return EMPTY
    let out = ''
    for (const event of events) {
      const frame = convert(event)
      if (frame !== null) out += frame
    }
    events.length = 0
    return out === '' ? EMPTY : Buffer.from(out)
  }

  return {
    push(bytes) {
      if (done) return EMPTY
      try {
        framer.push(bytes, events)
      } catch (e) {
        // a corrupt frame (bad length or CRC): nothing after it can be trusted, so end cleanly
        const before = drain()
        if (done) return before
        done = true
        const error = `data: ${JSON.stringify({ error: { message: `invalid event stream from Bedrock: ${(e as Error).message}` } })}\n\n`
        return Buffer.concat([before, Buffer.from(error + DONE)])
      }
      return drain()
    },
    end() {
      if (done) return EMPTY
      framer.end(events)
      const rest = drain()
      done = true
      return rest.length === 0 ? Buffer.from(DONE) : Buffer.concat([rest, Buffer.from(DONE)])
    },
    get usage() { return usage },
    get text() { return text },
    get finishReason() { return finishReason },
  }
}
