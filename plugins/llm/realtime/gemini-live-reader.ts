// The response handler of a Gemini Live session (route type realtime/v1/realtime, provider
// gemini): the client speaks the Live API's own protocol (BidiGenerateContent) and every frame is
// relayed as it came, except that a route fixing its model vets the client's `setup`.
// https://ai.google.dev/api/live
//
// Upstream messages (ws_upstream_frame): Google sends its JSON in binary frames as often as in
// text ones, so both are read; only a frame naming `"usageMetadata"` is parsed (audio is base64
// and never holds a quote). Each message's usageMetadata is one turn's usage (promptTokenCount,
// responseTokenCount or candidatesTokenCount, totalTokenCount): they are summed into the
// session's one outcome, as OpenAI's response.done events are.
//
// Client messages (ws_client_frame): the model is named in-band by the first message, `setup`
// (`models/<name>`, or Vertex's `projects/.../models/<name>`). When the route fixes a model
// (model.name), Kong's rule holds: only that model, by one of its exact resource names (on
// Vertex: in the configured project and location, Google's publisher), is accepted; another
// model ends the session with 1008 and Kong's message
// `cannot use own model - must be: <name>` (a 400 is no longer possible after the 101), as does a
// first message that is no setup. The vetted setup goes upstream re-serialized from what was
// read, so Google's parser cannot read another model than ours (duplicate keys, escapes). A later
// message that is a setup again is refused the same way. With no fixed model the setup's model
// is recorded as the request's model and nothing is refused.
import type { ModelConf, TokenUsage } from '../types.ts'
import { vertexOf } from '../drivers/gemini/vertex-coordinates.ts'
import type { ResponseHandler } from '../pipeline/response-handler.ts'
import type { WebSocketClientVerdict } from '../../../core/plugins/contract.ts'

const USAGE = Buffer.from('"usageMetadata"')
/** a later message is parsed only when it could hold a `setup` key, escaped or not */
const SETUP = Buffer.from('setup')
const ESCAPE = Buffer.from('\\u')
const MAX_MODEL_NAME = 256
/** Live is policy-violation territory once open: Kong's HTTP 400 becomes this close code */
const POLICY = 1008

function count(v: unknown): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0
}

function own(o: unknown, key: string): unknown {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return undefined
  return Object.getOwnPropertyDescriptor(o, key)?.value
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function parse(data: Buffer): unknown {
  try { return JSON.parse(data.toString('utf8')) } catch { return undefined }
}

/** `models/x`, `publishers/google/models/x`, `projects/p/locations/l/publishers/google/models/x` → `x` */
export function liveModelName(model: string): string {
  const at = model.lastIndexOf('models/')
  return at < 0 ? model : model.slice(at + 'models/'.length)
}

/** The setup `model` values that name the route's model: AI Studio's short and `models/` forms, Vertex's full resource name. */
export function liveSetupModels(model: ModelConf): readonly string[] | null {
  const name = model.name
  if (name === undefined) return null
  const v = vertexOf(model.options)
  if (v === null) return [name, `models/${name}`]
  return [`projects/${v.project}/locations/${v.location}/publishers/google/models/${name}`]
}

export class GeminiLiveReader implements ResponseHandler {
  readonly kind = 'realtime' as const
  firstByteAt = 0
  private prompt = 0
  private completion = 0
  private total = 0
  private turns = 0
  private model: string | null = null
  private clientFrames = 0

  private readonly fixed: string | undefined
  private readonly accepted: readonly string[] | null

  /** the route's model (model.name), or a model without one: the client picks it */
  constructor(model: ModelConf) {
    this.fixed = model.name
    this.accepted = liveSetupModels(model)
  }

  /** One client message (ws_client_frame): the setup's model read, and vetted when the route fixes one. */
  clientFrame(data: Buffer): WebSocketClientVerdict {
    const first = this.clientFrames++ === 0
    if (this.accepted === null) {
      if (this.model === null && data.includes('"setup"')) this.recordModel(own(own(parse(data), 'setup'), 'model'))
      return
    }
    if (first) return this.vetSetup(data)
    if (!data.includes(SETUP) && !data.includes(ESCAPE)) return
    const msg = parse(data)
    if (isRecord(msg) && Object.hasOwn(msg, 'setup')) return { close: POLICY, reason: 'setup is sent once, as the first message' }
  }

  private vetSetup(data: Buffer): WebSocketClientVerdict {
    const msg = parse(data)
    const setup = own(msg, 'setup')
    if (!isRecord(setup)) return { close: POLICY, reason: 'the first message must be a setup naming the model' }
    const model = own(setup, 'model')
    if (typeof model !== 'string' || !this.accepted!.includes(model)) {
      return { close: POLICY, reason: `cannot use own model - must be: ${this.fixed}` }
    }
    this.recordModel(model)
    return { send: Buffer.from(JSON.stringify(msg)) }
  }

  private recordModel(model: unknown): void {
    if (typeof model === 'string' && model.length <= MAX_MODEL_NAME) this.model = liveModelName(model)
  }

  /** One upstream message (ws_upstream_frame). */
  frame(data: Buffer): void {
    if (this.firstByteAt === 0) this.firstByteAt = performance.now()
    if (!data.includes(USAGE)) return
    const usage = own(parse(data), 'usageMetadata')
    if (!isRecord(usage)) return
    const input = count(own(usage, 'promptTokenCount'))
    // the Live API names the answer's tokens responseTokenCount; generateContent's name is accepted too
    const output = count(own(usage, 'responseTokenCount')) || count(own(usage, 'candidatesTokenCount'))
    this.prompt += input
    this.completion += output
    this.total += count(own(usage, 'totalTokenCount')) || input + output
    this.turns++
  }

  body(): void { /* a WebSocket session has no HTTP body */ }

  usage(): TokenUsage | null {
    if (this.turns === 0) return null
    return { prompt_tokens: this.prompt, completion_tokens: this.completion, total_tokens: this.total }
  }

  /** the setup's model: Live's server messages name none */
  responseModel(): string | null {
    return this.model
  }

  requestModel(): string | null {
    return this.model
  }

  finishReasons(): readonly string[] {
    return []
  }

  /** log_payloads: a session is not logged frame by frame; its summed usage stands for it */
  payload(usage: TokenUsage): string {
    return JSON.stringify({ object: 'realtime.session', turns: this.turns, usage })
  }
}
