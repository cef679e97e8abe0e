// Anthropic stop_reason ⇄ OpenAI finish_reason. Kong ≥3.11.0.3 maps these (3.10 passed the raw
// stop_reason); the reverse direction serves the `anthropic` client format.
// https://docs.anthropic.com/en/api/handling-stop-reasons
import { ownTable } from '../../../../core/safe-merge.ts'

const TO_OPENAI = ownTable<string>({
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  guardrail_intervened: 'guardrail_intervened',
  pause_turn: 'stop',
  refusal: 'content_filter',
  model_context_window_exceeded: 'length',
})

const TO_ANTHROPIC = ownTable<string>({
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
})

/** Missing means end_turn, as in Kong; an unknown reason stays as the provider sent it. */
export function toFinishReason(stopReason: unknown): string {
  if (typeof stopReason !== 'string') return 'stop'
  return TO_OPENAI[stopReason] ?? stopReason
}

export function toStopReason(finishReason: unknown): string {
  if (typeof finishReason !== 'string') return 'end_turn'
  return TO_ANTHROPIC[finishReason] ?? 'end_turn'
}
