// Response handler `convert`: a converting driver's answer, buffered by header_filter, converted
// whole there (where the status can still change when it cannot be converted: a driver's error
// keeps its own status - 400 for an answer that refuses the request, e.g. Gemini's blocked prompt;
// 500 when the answer is unusable -, anything else is 500), sent at the end.
import type { Kong } from '../../../pdk/index.ts'
import type { BodyChunk } from '../../../core/plugins/contract.ts'
import type { TokenUsage } from '../types.ts'
import { statusOf } from '../errors.ts'
import { inflateBody } from './inflate.ts'
import type { ResponseHandler } from './response-handler.ts'
import type { PreparedRequest } from './state.ts'
import { finishReasonsOfBytes } from './finish-reasons.ts'

const EMPTY = Buffer.alloc(0)

export class ConvertHandler implements ResponseHandler {
  readonly kind = 'convert'
  readonly firstByteAt = 0
  private readonly converted: Buffer
  /** the answer in OpenAI's shape when it was written in another client format (what a cache stores), else null */
  readonly openai: Record<string, unknown> | null = null
  private u: TokenUsage | null = null
  private model: string | null = null

  constructor(kong: Kong, p: PreparedRequest) {
    const c = p.c
    const dctx = p.dctx
    let body = kong.service.response.getRawBody() ?? EMPTY
    let converted: Buffer
    try {
      if (kong.service.response.getHeader('content-encoding')?.toLowerCase() === 'gzip') {
        body = inflateBody(body, 'gzip')
        kong.response.clearHeader('Content-Encoding')
      }
      const d = c.driver.decodeResponse(body, dctx)
      this.u = d.usage
      this.model = d.model
      let out: string | Buffer = d.body ?? body
      if (c.format !== null) {
        const openai = (d.parsed ?? JSON.parse(typeof out === 'string' ? out : out.toString('utf8'))) as Record<string, unknown>
        out = c.format.encodeResponse(openai)
        this.openai = openai
      }
      converted = typeof out === 'string' ? Buffer.from(out) : out
    } catch (e) {
      const known = statusOf(e)
      const message = known?.message ?? `transformation failed from type ${c.driver.id}://${dctx.route}: ${(e as Error).message}`
      kong.response.setStatus(known ? known.status : 500)
      converted = Buffer.from(JSON.stringify({ error: { message } }))
    }
    this.converted = converted
    kong.response.setHeader('Content-Type', 'application/json')
  }

  body(_kong: Kong, chunk: BodyChunk): void {
    chunk.data = chunk.eof ? this.converted : EMPTY
  }

  usage(): TokenUsage | null {
    return this.u
  }

  responseModel(): string | null {
    return this.model
  }

  payload(): string {
    return this.converted.toString('utf8')
  }

  /** read from the converted answer when asked (a tracing plugin), not on every answer */
  finishReasons(): readonly string[] {
    return finishReasonsOfBytes(this.converted)
  }
}
