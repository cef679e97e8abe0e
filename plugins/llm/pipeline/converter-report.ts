// What a response handler driven by a driver's stream converter reports at the end (usage, model,
// the payload Kong logs), whether the converter fed the client (StreamHandler) or only read on the
// side (SideReader). A converter that failed is replaced by what it had counted: it reads no more.
import type { StreamTranscoder, TokenUsage } from '../types.ts'
import { streamUsage } from './estimate.ts'
import type { PreparedRequest } from './state.ts'

/** What a converter had counted when it failed: it reads nothing more. */
export function stopped(t: StreamTranscoder): StreamTranscoder {
  const snapshot = { usage: { ...t.usage }, text: t.text, textLength: t.textLength, textCut: t.textCut, finishReason: t.finishReason, responseModel: t.responseModel ?? null }
  return { ...snapshot, push() {}, end() {} }
}

export abstract class ConverterReport {
  constructor(public transcoder: StreamTranscoder) {}

  usage(p: PreparedRequest): TokenUsage {
    return streamUsage(this.transcoder, p.promptEstimate)
  }

  responseModel(): string | null {
    return this.transcoder.responseModel ?? null
  }

  finishReasons(): readonly string[] {
    const f = this.transcoder.finishReason
    return f ? [f] : []
  }

  /** Kong's synthetic chat.completion logged for a stream (never a copy of every byte). */
  payload(usage: TokenUsage): string {
    const t = this.transcoder
    return JSON.stringify({
      choices: [{ finish_reason: t.finishReason, index: 0, logprobs: null, message: { role: 'assistant', content: t.text } }],
      object: 'chat.completion',
      usage,
    })
  }
}
