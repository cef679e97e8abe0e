// Gemini answers → OpenAI shapes: generateContent candidates, finish reasons, usageMetadata,
// batchEmbedContents / Vertex predict embeddings.
// Spec: https://ai.google.dev/api/generate-content#generatecontentresponse
import { nonNegative, withDetails } from '../../pipeline/usage-details.ts'
import { randomUUID } from 'node:crypto'
import type { TokenUsage } from '../../types.ts'
import type { Json } from './encode-request.ts'

export interface GeminiPart {
  text?: string
  thought?: boolean
  thoughtSignature?: string
  functionCall?: { name?: string; args?: unknown; id?: string }
  inlineData?: { mimeType?: string; data?: string }
}
export interface GeminiCandidate {
  content?: { role?: string; parts?: GeminiPart[] }
  finishReason?: string
  index?: number
}
export interface GeminiUsageMetadata {
  promptTokenCount?: number
  candidatesTokenCount?: number
  totalTokenCount?: number
  thoughtsTokenCount?: number
  toolUsePromptTokenCount?: number
  cachedContentTokenCount?: number
}
export interface GeminiResponse {
  candidates?: GeminiCandidate[]
  usageMetadata?: GeminiUsageMetadata
  modelVersion?: string
  responseId?: string
  createTime?: string
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string }
  error?: unknown
}

const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY'])

/** Gemini finishReason → OpenAI finish_reason; null when the candidate is not finished. */
export function finishReasonOf(reason: string | undefined, toolCalls: boolean): string | null {
  if (!reason) return null
  if (toolCalls) return 'tool_calls'
  if (reason === 'MAX_TOKENS') return 'length'
  if (FILTERED.has(reason)) return 'content_filter'
  return 'stop'
}

/**
 * usageMetadata → OpenAI usage. Thinking tokens are billed as output, so they count as completion
 * tokens; tool-use prompt tokens count as prompt tokens (Kong 3.15). Gemini's counts are running
 * totals in a stream: callers set, never add.
 */
export function usageOf(meta: GeminiUsageMetadata | undefined): TokenUsage | null {
  if (!meta || typeof meta !== 'object') return null
  const prompt = (meta.promptTokenCount ?? 0) + (meta.toolUsePromptTokenCount ?? 0)
  const completion = (meta.candidatesTokenCount ?? 0) + (meta.thoughtsTokenCount ?? 0)
  const usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: meta.totalTokenCount ?? prompt + completion }
  // promptTokenCount includes the cached content: priced with Kong 3.14's cache_read_cost
  return withDetails(usage, { cacheRead: nonNegative(meta.cachedContentTokenCount), cacheWrite: 0, cacheWriteByTtl: [], serviceTier: null, promptIncludesCache: true })
}

export function usageBody(meta: GeminiUsageMetadata, usage: TokenUsage): Json {
  const out: Json = { ...usage }
  if (meta.thoughtsTokenCount) out.completion_tokens_details = { reasoning_tokens: meta.thoughtsTokenCount }
  if (meta.cachedContentTokenCount) out.prompt_tokens_details = { cached_tokens: meta.cachedContentTokenCount }
  return out
}

export interface CandidateContent {
  text: string | null
  reasoning: string | null
  toolCalls: Json[] | null
  images: Json[] | null
}

/** The pieces of one candidate: text parts joined, thought parts apart, calls with fresh ids. */
export function contentOf(c: GeminiCandidate, toolIndex = 0): CandidateContent {
  let text: string | null = null
  let reasoning: string | null = null
  let toolCalls: Json[] | null = null
  let images: Json[] | null = null
  for (const p of c.content?.parts ?? []) {
    if (typeof p.text === 'string') {
      if (p.thought) reasoning = (reasoning ?? '') + p.text
      else text = (text ?? '') + p.text
    } else if (p.functionCall) {
      const call: Json = {
        id: p.functionCall.id ?? `call_${randomUUID()}`,
        type: 'function',
        function: { name: p.functionCall.name, arguments: JSON.stringify(p.functionCall.args ?? {}) },
      }
      if (p.thoughtSignature) call.extra_content = { google: { thought_signature: p.thoughtSignature } }
      ;(toolCalls ??= []).push(call)
    } else if (p.inlineData?.data) {
      // image output (imageConfig / responseModalities), in the shape OpenRouter-style clients read
      ;(images ??= []).push({ type: 'image_url', image_url: { url: `data:${p.inlineData.mimeType ?? 'image/png'};base64,${p.inlineData.data}` } })
    }
  }
  if (toolCalls) for (let i = 0; i < toolCalls.length; i++) toolCalls[i].index = toolIndex + i
  return { text, reasoning, toolCalls, images }
}

export function createdOf(createTime: string | undefined): number {
  const t = createTime ? Date.parse(createTime) : NaN
  return Number.isNaN(t) ? Math.floor(Date.now() / 1000) : Math.floor(t / 1000)
}

/** A full generateContent answer → chat.completion (or text_completion). Throws on no candidates. */
export function toOpenAiCompletion(res: GeminiResponse, model: string, completions: boolean): { body: Json; usage: TokenUsage | null } {
  const choices = res.candidates!.map((c, i) => {
    const { text, reasoning, toolCalls, images } = contentOf(c)
    const finish = finishReasonOf(c.finishReason, toolCalls !== null) ?? 'stop'
    if (completions) return { index: c.index ?? i, text: text ?? '', finish_reason: finish, logprobs: null }
    const message: Json = { role: 'assistant', content: text }
    if (toolCalls) message.tool_calls = toolCalls.map(({ index: _, ...call }) => call)
    if (reasoning !== null) message.reasoning_content = reasoning
    if (images) message.images = images
    return { index: c.index ?? i, message, finish_reason: finish, logprobs: null }
  })
  const usage = usageOf(res.usageMetadata)
  const body: Json = {
    id: res.responseId ?? `chatcmpl-${randomUUID()}`,
    object: completions ? 'text_completion' : 'chat.completion',
    created: createdOf(res.createTime),
    model: res.modelVersion ?? model,
    choices,
  }
  if (usage) body.usage = usageBody(res.usageMetadata!, usage)
  return { body, usage }
}

/** Kong's answer for a blocked prompt (promptFeedback, no candidates): sent with status 400. */
export function blockedPromptBody(res: GeminiResponse): Json {
  const body: Json = { error: true, message: res.promptFeedback?.blockReasonMessage ?? null, reason: res.promptFeedback?.blockReason ?? null }
  const usage = usageOf(res.usageMetadata)
  if (usage) body.usage = usage
  return body
}

function float32Base64(values: number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString('base64')
}

/** batchEmbedContents `{embeddings:[{values}]}` or Vertex predict `{predictions:[{embeddings:{values,statistics}}]}`. */
export function toOpenAiEmbeddings(res: Json, model: string, base64: boolean): { body: Json; usage: TokenUsage } | null {
  let vectors: number[][]
  let tokens = 0
  if (Array.isArray(res.embeddings)) vectors = (res.embeddings as { values: number[] }[]).map((e) => e.values)
  else if (Array.isArray(res.predictions)) {
    const preds = res.predictions as { embeddings: { values: number[]; statistics?: { token_count?: number } } }[]
    vectors = preds.map((p) => p.embeddings.values)
    for (const p of preds) tokens += p.embeddings.statistics?.token_count ?? 0
  } else return null
  const usage = { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens }
  return {
    body: {
      object: 'list',
      data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: base64 ? float32Base64(v) : v })),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
    usage,
  }
}
