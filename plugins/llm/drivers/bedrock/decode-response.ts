// Bedrock Converse answer → OpenAI chat.completion (Kong's from_bedrock_chat_openai).
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax
import { nonNegative, withDetails } from '../../pipeline/usage-details.ts'
import { llmErrors } from '../../errors.ts'
import type { DecodedResponse, DriverContext, TokenUsage, ToolCall } from '../../types.ts'
import { STRUCTURED_OUTPUT_TOOL } from './encode-request.ts'
import { ownTable } from '../../../../core/safe-merge.ts'

const FINISH_REASONS = ownTable<string>({
  max_tokens: 'length',
  end_turn: 'stop',
  tool_use: 'tool_calls',
  guardrail_intervened: 'guardrail_intervened',
})

/** Kong's stopReason map; anything else (stop_sequence, content_filtered, ...) is `stop`. */
export function finishReasonOf(stopReason: unknown): string {
  return (typeof stopReason === 'string' && FINISH_REASONS[stopReason]) || 'stop'
}

interface ConverseUsage { inputTokens?: number; outputTokens?: number; totalTokens?: number; cacheReadInputTokens?: number; cacheWriteInputTokens?: number }

export function usageOf(usage: ConverseUsage | undefined | null): TokenUsage | null {
  if (usage === undefined || usage === null || typeof usage !== 'object') return null
  const prompt = usage.inputTokens ?? 0
  const completion = usage.outputTokens ?? 0
  const out = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: usage.totalTokens ?? prompt + completion }
  // inputTokens leaves out the cache reads and writes, which Kong 3.14's cache costs price apart
  return withDetails(out, { cacheRead: nonNegative(usage.cacheReadInputTokens), cacheWrite: nonNegative(usage.cacheWriteInputTokens), cacheWriteByTtl: [], serviceTier: null, promptIncludesCache: false })
}

interface ConverseBlock { text?: string; toolUse?: { toolUseId?: string; name?: string; input?: unknown } }

function failed(ctx: DriverContext, why: string): Error {
  return llmErrors.failed(`transformation failed from type bedrock://${ctx.route}: ${why}`)
}

export function fromConverse(raw: Buffer, ctx: DriverContext): DecodedResponse {
  let answer: { output?: { message?: { content?: ConverseBlock[] } }; stopReason?: string; usage?: ConverseUsage; trace?: unknown }
  try {
    answer = JSON.parse(raw.toString('utf8'))
  } catch {
    throw failed(ctx, 'failed to decode response from Bedrock')
  }
  const blocks = answer?.output?.message?.content
  if (!Array.isArray(blocks) || blocks.length === 0) {
    throw failed(ctx, 'no generation candidates received from Bedrock, or max_tokens too short')
  }

  let content: string | null = null
  let finishReason = finishReasonOf(answer.stopReason)
  const toolCalls: ToolCall[] = []
  for (const block of blocks) {
    if (typeof block.text === 'string') content = content === null ? block.text : content + block.text
    const use = block.toolUse
    if (use === undefined) continue
    const args = JSON.stringify(use.input ?? {})
    if (use.name === STRUCTURED_OUTPUT_TOOL) {
      // structured output asked for through a forced tool: its input is the answer
      content = args
      finishReason = 'stop'
      continue
    }
    toolCalls.push({ id: use.toolUseId ?? '', type: 'function', function: { name: use.name ?? '', arguments: args } })
  }

  const message: Record<string, unknown> = { role: 'assistant', content }
  if (toolCalls.length > 0) message.tool_calls = toolCalls
  const usage = usageOf(answer.usage)
  const parsed: Record<string, unknown> = {
    choices: [{ index: 0, message, finish_reason: finishReason }],
    object: 'chat.completion',
    model: ctx.model.name ?? null,
  }
  if (usage !== null) parsed.usage = usage
  if (answer.trace !== undefined) parsed.trace = answer.trace
  // Bedrock reports no model: null lets the pipeline fall back to the request model, as Kong does
  return { body: JSON.stringify(parsed), usage, model: null, parsed }
}
