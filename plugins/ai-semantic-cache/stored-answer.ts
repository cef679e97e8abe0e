// What a miss stores (Kong's store-cache filter): ai-proxy's answer in OpenAI's shape. A JSON
// answer is the body the client got from an OpenAI-format route (passthrough or converted), read
// by the cache's body_filter into a capped buffer, or, for another client format, the OpenAI
// answer ai-proxy converted it from; a stream is the answer ai-proxy's converter assembled (text,
// finish reason, usage, model). An answer larger than MAX_STORED_BYTES, a streamed tool call (the
// converter keeps no tool calls), a stream whose text outgrew the converter's cap, a native format's answer passed through unconverted (no OpenAI
// form exists) and anything unreadable are not stored.
import { inflateBody } from '../llm/pipeline/inflate.ts'
import { ConverterReport } from '../llm/pipeline/converter-report.ts'
import { ConvertHandler } from '../llm/pipeline/convert-handler.ts'
import type { SharedExchange } from '../llm/pipeline/shared-exchange.ts'

/** The largest answer kept in the cache (LLM answers are KiBs; this bounds each store and each hit). */
export const MAX_STORED_BYTES = 1024 * 1024

/** The client's bytes of a JSON answer, gathered up to the cap (`null` once over it). */
export class AnswerBuffer {
  private chunks: Buffer[] | null = []
  private bytes = 0

  push(data: Buffer): void {
    if (this.chunks === null || data.length === 0) return
    this.bytes += data.length
    if (this.bytes > MAX_STORED_BYTES) this.chunks = null
    else this.chunks.push(data)
  }

  /** the answer's text, inflated per its Content-Encoding; null when over the cap or unreadable */
  text(encoding: string | undefined): string | null {
    if (this.chunks === null) return null
    let body: Buffer = Buffer.concat(this.chunks)
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      try { body = inflateBody(body, encoding.toLowerCase()) } catch { return null }
      if (body.length > MAX_STORED_BYTES) return null
    }
    return body.toString('utf8')
  }
}

/** A JSON answer worth storing: an object with choices. */
export function storableJson(text: string | null): string | null {
  if (text === null) return null
  try {
    const v: unknown = JSON.parse(text)
    return v !== null && typeof v === 'object' && !Array.isArray(v) && Array.isArray((v as { choices?: unknown }).choices) ? text : null
  } catch {
    return null
  }
}

/** A converted answer written in another client format: the OpenAI form ai-proxy encoded it from. */
export function convertedAnswer(x: SharedExchange): string | null {
  const h = x.handler
  if (!(h instanceof ConvertHandler) || h.openai === null) return null
  const text = JSON.stringify(h.openai)
  return text.length > MAX_STORED_BYTES ? null : text
}

/** A streamed answer as the chat.completion Kong stores for it; null when there is nothing to store. */
export function assembledStream(x: SharedExchange): string | null {
  const h = x.handler
  const o = x.outcome
  if (!(h instanceof ConverterReport) || o === null) return null
  const t = h.transcoder
  // a text cut at the converter's cap is not the answer: storing it would serve a truncated answer
  if (t.textCut || t.text === '' || t.finishReason === 'tool_calls' || t.text.length > MAX_STORED_BYTES) return null
  return JSON.stringify({
    id: o.requestId,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: o.responseModel,
    choices: [{ index: 0, message: { role: 'assistant', content: t.text }, finish_reason: t.finishReason ?? 'stop', logprobs: null }],
    usage: o.usage,
  })
}
