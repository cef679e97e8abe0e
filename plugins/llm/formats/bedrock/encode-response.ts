// OpenAI answers → Bedrock Converse answers, for a `bedrock` client served by a provider that does
// not speak Converse: the JSON answer, and the stream as event-stream messages.
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html#API_runtime_ConverseStream_ResponseSyntax
import { encodeAwsEvent } from '../../transcoders/aws-event-stream.ts'
import { ownTable } from '../../../../core/safe-merge.ts'

type Json = Record<string, unknown>

const EMPTY = Buffer.alloc(0)

const STOP_REASONS = ownTable<string>({
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'content_filtered',
  guardrail_intervened: 'guardrail_intervened',
})

const stopReasonOf = (finish: unknown): string => (typeof finish === 'string' && STOP_REASONS[finish]) || 'end_turn'

interface OpenAIUsage { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number }

function converseUsage(usage: OpenAIUsage | undefined): Json {
  const input = usage?.prompt_tokens ?? 0
  const output = usage?.completion_tokens ?? 0
  return { inputTokens: input, outputTokens: output, totalTokens: usage?.total_tokens ?? input + output }
}

function parseArguments(args: unknown): unknown {
  if (typeof args !== 'string' || args === '') return {}
  try {
    return JSON.parse(args)
  } catch {
    return {}
  }
}

export function toConverseAnswer(openai: Json): string {
  const choice = (openai.choices as Json[] | undefined)?.[0] ?? {}
  const message = (choice.message ?? {}) as { content?: unknown; tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[] }
  const content: Json[] = []
  if (typeof message.content === 'string' && message.content !== '') content.push({ text: message.content })
  for (const call of message.tool_calls ?? []) {
    content.push({ toolUse: { toolUseId: call.id, name: call.function?.name, input: parseArguments(call.function?.arguments) } })
  }
  return JSON.stringify({
    output: { message: { role: 'assistant', content } },
    stopReason: stopReasonOf(choice.finish_reason),
    usage: converseUsage(openai.usage as OpenAIUsage | undefined),
    metrics: { latencyMs: 0 },
  })
}

interface ChunkToolCall { index?: number; id?: string; function?: { name?: string; arguments?: string } }

/**
 * OpenAI chunks → ConverseStream events. Bedrock numbers content blocks (text and tool uses alike)
 * and opens a tool block with contentBlockStart; its usage comes last, in `metadata`, so OpenAI's
 * usage (which may arrive after the finish reason) is held until the end.
 */
export function createConverseStreamEncoder(): { push(chunk: Json): Buffer; end(): Buffer } {
  let started = false
  let stopped = false
  let block = -1
  let open = false
  let blockIsText = false
  const toolBlocks = new Map<number, number>()
  let usage: OpenAIUsage | undefined

  const closeBlock = (out: Buffer[]): void => {
    if (open) out.push(encodeAwsEvent('contentBlockStop', { contentBlockIndex: block }))
    open = false
  }

  const start = (out: Buffer[]): void => {
    if (started) return
    started = true
    out.push(encodeAwsEvent('messageStart', { role: 'assistant' }))
  }

  const stop = (out: Buffer[], finish: unknown): void => {
    closeBlock(out)
    stopped = true
    out.push(encodeAwsEvent('messageStop', { stopReason: stopReasonOf(finish) }))
  }

  return {
    push(chunk) {
      const out: Buffer[] = []
      if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage as OpenAIUsage
      const choice = (chunk.choices as Json[] | undefined)?.[0]
      if (choice === undefined || stopped) return EMPTY
      start(out)
      const delta = (choice.delta ?? {}) as { content?: unknown; tool_calls?: ChunkToolCall[] }
      if (typeof delta.content === 'string' && delta.content !== '') {
        if (!open || !blockIsText) {
          closeBlock(out)
          block++
          open = true
          blockIsText = true
        }
        out.push(encodeAwsEvent('contentBlockDelta', { contentBlockIndex: block, delta: { text: delta.content } }))
      }
      for (const call of delta.tool_calls ?? []) {
        const key = call.index ?? 0
        if (!toolBlocks.has(key)) {
          closeBlock(out)
          block++
          open = true
          blockIsText = false
          toolBlocks.set(key, block)
          out.push(encodeAwsEvent('contentBlockStart', {
            contentBlockIndex: block,
            start: { toolUse: { toolUseId: call.id ?? '', name: call.function?.name ?? '' } },
          }))
        }
        const args = call.function?.arguments
        if (typeof args === 'string' && args !== '') {
          out.push(encodeAwsEvent('contentBlockDelta', { contentBlockIndex: toolBlocks.get(key), delta: { toolUse: { input: args } } }))
        }
      }
      if (choice.finish_reason !== undefined && choice.finish_reason !== null) stop(out, choice.finish_reason)
      return Buffer.concat(out)
    },
    end() {
      const out: Buffer[] = []
      start(out)
      if (!stopped) stop(out, 'stop')
      out.push(encodeAwsEvent('metadata', { usage: converseUsage(usage), metrics: { latencyMs: 0 } }))
      return Buffer.concat(out)
    },
  }
}
