// `stream_options.include_usage` for converted streams (Kong 3.13): an OpenAI client that asked
// for usage gets OpenAI's last chunk, `choices: []` with `usage`, right before `data: [DONE]`,
// whatever the provider. Wraps the driver's transcoder: its frames pass as they are, the usage
// chunk is spliced in front of the [DONE] frame when that frame goes out (every transcoder writes
// [DONE] after the events carrying the provider's usage). id, object, created and model are the
// stream's own, read once from its first chunk.
// https://platform.openai.com/docs/api-reference/chat/create#chat-create-stream_options
import type { StreamTranscoder, TokenUsage } from '../types.ts'

const DONE_LINE = Buffer.from('data: [DONE]')
const DATA = Buffer.from('data: ')
const LF = 0x0a

interface Head { id?: unknown; object?: unknown; created?: unknown; model?: unknown }

export class IncludeUsageTranscoder implements StreamTranscoder {
  private head: Head | null = null
  private sent = false

  /** `usage` is asked for at [DONE]: provider counts, or Kong's estimates where it gave none */
  constructor(private readonly inner: StreamTranscoder, private readonly usageNow: () => TokenUsage, private readonly model: string | null) {}

  get usage(): TokenUsage { return this.inner.usage }
  get text(): string { return this.inner.text }
  get finishReason(): string | null { return this.inner.finishReason }
  get responseModel(): string | null { return this.inner.responseModel ?? null }

  push(chunk: Buffer): Buffer {
    return this.splice(this.inner.push(chunk))
  }

  end(): Buffer {
    return this.splice(this.inner.end())
  }

  private splice(out: Buffer): Buffer {
    if (this.sent || out.length === 0) return out
    if (this.head === null) this.head = firstChunk(out)
    const at = doneFrame(out)
    if (at < 0) return out
    this.sent = true
    const h = this.head ?? {}
    const chunk = `data: ${JSON.stringify({
      id: h.id ?? null,
      object: h.object ?? 'chat.completion.chunk',
      created: h.created ?? Math.floor(Date.now() / 1000),
      model: h.model ?? this.model,
      choices: [],
      usage: this.usageNow(),
    })}\n\n`
    return Buffer.concat([out.subarray(0, at), Buffer.from(chunk), out.subarray(at)])
  }
}

/**
 * Where the `data: [DONE]` frame starts, or -1. A frame starts the buffer or follows a line end; a
 * JSON payload never holds a raw line end, so text that merely says "data: [DONE]" is not matched.
 */
function doneFrame(out: Buffer): number {
  let at = out.lastIndexOf(DONE_LINE)
  while (at > 0 && out[at - 1] !== LF) at = out.lastIndexOf(DONE_LINE, at - 1)
  return at
}

/** id, object, created and model of the first `data: {...}` frame in these bytes, if one is whole. */
function firstChunk(out: Buffer): Head | null {
  const start = out.indexOf(DATA)
  if (start < 0 || out[start + DATA.length] !== 0x7b) return null
  const end = out.indexOf(LF, start)
  try {
    const v = JSON.parse(out.toString('utf8', start + DATA.length, end < 0 ? out.length : end)) as Head
    return v !== null && typeof v === 'object' ? v : null
  } catch {
    return null
  }
}
