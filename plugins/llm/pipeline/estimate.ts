// Kong's token estimates for providers whose streams carry no usage (shared.lua calculate_cost,
// count_words): prompt = round(words × factor), factor 1.8 when streaming; completion, when still
// unknown at the end, = ceil(length of the trimmed text / 4).
import type { LlmRequest, StreamTranscoder, TokenUsage } from '../types.ts'

function countWords(s: string): number {
  let n = 0
  let inWord = false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const space = c === 0x20 || (c >= 0x09 && c <= 0x0d)
    if (!space && !inWord) n++
    inWord = !space
  }
  return n
}

function contentWords(content: unknown): number {
  if (typeof content === 'string') return countWords(content)
  if (!Array.isArray(content)) return 0
  let n = 0
  for (const part of content) {
    const p = part as { type?: unknown; text?: unknown }
    if (p && p.type === 'text' && typeof p.text === 'string') n += countWords(p.text)
  }
  return n
}

export function estimatePromptTokens(req: LlmRequest, factor: number): number {
  let words = 0
  if (Array.isArray(req.messages)) for (const m of req.messages) words += contentWords(m?.content)
  else if (typeof req.prompt === 'string') words = countWords(req.prompt)
  else if (Array.isArray(req.prompt)) for (const p of req.prompt) words += typeof p === 'string' ? countWords(p) : 0
  return Math.round(words * factor)
}

export function estimateCompletionTokens(text: string): number {
  return Math.ceil(text.trim().length / 4)
}

/** A stream's usage: the provider's counts, Kong's estimates for the ones it did not send. */
export function streamUsage(t: StreamTranscoder, promptEstimate: number): TokenUsage {
  const u = t.usage
  const prompt = u.prompt_tokens || promptEstimate
  // a text cut at the converter's cap is estimated from the length of all of it
  const completion = u.completion_tokens || (t.textCut ? Math.ceil(t.textLength / 4) : estimateCompletionTokens(t.text))
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: u.total_tokens || prompt + completion }
}
