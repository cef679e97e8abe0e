// Gemini stream → OpenAI SSE. streamGenerateContent answers one JSON array streamed in arbitrary
// splits (no `alt=sse`, as Kong calls it); a client that asked for `alt=sse` (native format) gets
// SSE `data:` events instead. The first byte tells which. Each element becomes one OpenAI chunk;
// usageMetadata is a running total, so usage is set, never added; `data: [DONE]` goes out at the
// array's closing `]` (or at the end of the upstream body).
// Spec: https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
import { randomUUID } from 'node:crypto'
import type { StreamTranscoder, TokenUsage } from '../../types.ts'
import { JsonArrayFramer } from '../../transcoders/json-array.ts'
import { SseFramer, type SseEvent } from '../../transcoders/sse.ts'
import { contentOf, createdOf, finishReasonOf, usageOf, type GeminiResponse } from './decode-response.ts'
import type { Json } from './encode-request.ts'

const EMPTY = Buffer.alloc(0)
const DONE = 'data: [DONE]\n\n'

export class GeminiStreamTranscoder implements StreamTranscoder {
  readonly usage: TokenUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }
  text = ''
  finishReason: string | null = null
  /** modelVersion of the last event that named one */
  responseModel: string | null = null
  private array: JsonArrayFramer | null = null
  private sse: SseFramer | null = null
  private readonly sseEvents: SseEvent[] = []
  private doneSent = false
  private toolIndex = 0
  private id: string | null = null
  private created = 0
  private readonly events: string[] = []

  constructor(private readonly model: string, private readonly completions: boolean) {}

  push(chunk: Buffer): Buffer {
    if (this.doneSent || chunk.length === 0) return EMPTY
    if (this.array !== null) {
      this.array.push(chunk, this.events)
      return this.drain(this.array.done)
    }
    if (this.sse === null) {
      let i = 0
      while (i < chunk.length && (chunk[i] === 0x20 || chunk[i] === 0x0a || chunk[i] === 0x0d || chunk[i] === 0x09)) i++
      if (i === chunk.length) return EMPTY
      if (chunk[i] === 0x5b) {
        this.array = new JsonArrayFramer()
        return this.push(chunk)
      }
      this.sse = new SseFramer()
    }
    this.sse.push(chunk, this.sseEvents)
    return this.drain(this.fromSse())
  }

  end(): Buffer {
    if (this.doneSent) return EMPTY
    this.array?.end(this.events)
    if (this.sse !== null) { this.sse.end(this.sseEvents); this.fromSse() }
    return this.drain(true)
  }

  /** SSE data payloads into the element queue; true when the upstream sent its own [DONE]. */
  private fromSse(): boolean {
    let done = false
    for (const e of this.sseEvents) {
      if (e.data === '[DONE]') done = true
      else if (e.data !== '') this.events.push(e.data)
    }
    this.sseEvents.length = 0
    return done
  }

  private drain(done: boolean): Buffer {
    let out = ''
    for (const e of this.events) out += this.convert(e)
    this.events.length = 0
    if (done) { out += DONE; this.doneSent = true }
    return out === '' ? EMPTY : Buffer.from(out)
  }

  private convert(element: string): string {
    let ev: GeminiResponse
    try { ev = JSON.parse(element) as GeminiResponse } catch { return '' }
    if (!ev || typeof ev !== 'object') return ''
    if (ev.error) return `data: ${JSON.stringify({ error: ev.error })}\n\n`
    const usage = usageOf(ev.usageMetadata)
    if (usage) Object.assign(this.usage, usage)
    if (typeof ev.modelVersion === 'string') this.responseModel = ev.modelVersion
    if (!ev.candidates?.length) {
      if (!ev.promptFeedback?.blockReason) return ''
      const blocked = { error: true, message: ev.promptFeedback.blockReasonMessage ?? null, reason: ev.promptFeedback.blockReason }
      return `data: ${JSON.stringify(blocked)}\n\n`
    }
    if (this.id === null) {
      this.id = ev.responseId ?? `chatcmpl-${randomUUID()}`
      this.created = createdOf(ev.createTime)
    }
    let out = ''
    for (let k = 0; k < ev.candidates.length; k++) {
      const c = ev.candidates[k]
      const { text, reasoning, toolCalls } = contentOf(c, this.toolIndex)
      if (toolCalls) this.toolIndex += toolCalls.length
      const finish = finishReasonOf(c.finishReason, toolCalls !== null)
      if (text === null && reasoning === null && toolCalls === null && finish === null) continue
      if (text !== null) this.text += text
      if (finish !== null) this.finishReason = finish
      let choice: Json
      if (this.completions) choice = { index: c.index ?? k, text: text ?? '', finish_reason: finish, logprobs: null }
      else {
        const delta: Json = { role: 'assistant', content: text ?? (toolCalls ? null : '') }
        if (reasoning !== null) delta.reasoning_content = reasoning
        if (toolCalls) delta.tool_calls = toolCalls
        choice = { index: c.index ?? k, delta, finish_reason: finish, logprobs: null }
      }
      out += `data: ${JSON.stringify({
        id: this.id,
        object: this.completions ? 'text_completion' : 'chat.completion.chunk',
        created: this.created,
        model: this.model,
        choices: [choice],
      })}\n\n`
    }
    return out
  }
}
