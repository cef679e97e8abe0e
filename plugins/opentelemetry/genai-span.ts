// The GenAI span of an LLM request (OpenTelemetry GenAI semantic conventions, client inference
// span): `{operation} {model}`, kind CLIENT, child of the request's server span, from the one
// LlmOutcome the AI plugins publish per response. Payloads ride along only when the AI plugin
// logs them (logging.log_payloads), capped.
import type { LlmOutcome } from '../llm/outcome/llm-outcome.ts'
import { KIND, LeanSpan, STATUS, type Attrs, type AttrValue } from './lean-span.ts'
import { newSpanId } from './trace-ids.ts'
import { anyValue, attrClose, attrNumber, attrOpen, attrString, childIds, closeSpan, encodedKey, encodedName, openChild, type OtlpWriter } from './otlp-encode.ts'
import { idsOf, type TracedRequest } from './request-spans.ts'
import { EncodedPairs } from './encoded-pairs.ts'
import { RepeatedBytes } from './repeated-bytes.ts'
import { ownPrefix, ownString } from './own-string.ts'

/** characters of a payload kept in an attribute */
export const MAX_PAYLOAD_CHARS = 32 * 1024
/** characters of a model name kept (the client may pick the name) */
export const MAX_MODEL_CHARS = 256


const OPERATIONS: Record<string, string> = {
  'llm/v1/chat': 'chat',
  'llm/v1/completions': 'text_completion',
  'llm/v1/embeddings': 'embeddings',
}

/** gen_ai.provider.name's well-known values for the drivers that have one; others keep their id */
const PROVIDERS: Record<string, string> = {
  azure: 'azure.ai.openai',
  gemini: 'gcp.gemini',
  bedrock: 'aws.bedrock',
  mistral: 'mistral_ai',
  xai: 'x_ai',
}

const own = (m: Record<string, string>, k: string): string | undefined => (Object.hasOwn(m, k) ? m[k] : undefined)

/** the span's attribute keys, by index (what `walk` puts), and each as a KeyValue key field made once */
const KEYS = [
  'gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens',
  'gen_ai.request.model', 'gen_ai.response.model', 'gen_ai.response.finish_reasons', 'gen_ai.server.time_to_first_token',
  'kong.ai.cost', 'gen_ai.input.messages', 'gen_ai.output.messages', 'error.type',
] as const
const K = { operation: 0, provider: 1, input: 2, output: 3, requestModel: 4, responseModel: 5, reasons: 6, ttft: 7, cost: 8, inputMessages: 9, outputMessages: 10, error: 11 } as const
const ENCODED_KEYS = KEYS.map(encodedKey)
/** the string attributes whose values repeat (operation, provider, models), as whole encoded pairs (capped), by key index */
const PAIRS: (EncodedPairs | null)[] = ENCODED_KEYS.map((key, i) =>
  i === K.operation || i === K.provider || i === K.requestModel || i === K.responseModel ? new EncodedPairs(key) : null)

/** the caches' sizes (tests: hostile models do not grow them past their cap) */
export const genaiPairCounts = (): number[] => PAIRS.map((p) => p?.size ?? 0)

type Put = (key: number, value: AttrValue | readonly string[]) => void

const operationOf = (o: LlmOutcome): string => {
  const routeType = o.routeType ?? 'llm/v1/chat'
  return own(OPERATIONS, routeType) ?? routeType
}
const requestModelOf = (o: LlmOutcome): string | null => (o.requestModel === null ? null : ownPrefix(o.requestModel, MAX_MODEL_CHARS))
const failed = (o: LlmOutcome): boolean => o.ending !== 'complete' || o.status >= 400 || o.status === 0

/** `{operation} {model}` */
function nameOf(o: LlmOutcome): string {
  const operation = operationOf(o)
  const model = requestModelOf(o)
  return model !== null ? `${operation} ${model}` : operation
}

/** The span's attributes, in their order, to `put`: the record (genaiSpan), the reference writeAttributes is checked against. */
function walk(o: LlmOutcome, put: Put): void {
  put(K.operation, operationOf(o))
  put(K.provider, own(PROVIDERS, o.provider) ?? o.provider)
  // zeros = the answer's tokens were not read (the AI plugin reads them for log_statistics)
  if (o.usage.prompt_tokens > 0 || o.usage.completion_tokens > 0) {
    put(K.input, o.usage.prompt_tokens)
    put(K.output, o.usage.completion_tokens)
  }
  const requestModel = requestModelOf(o)
  if (requestModel !== null) put(K.requestModel, requestModel)
  if (o.responseModel !== null) put(K.responseModel, ownPrefix(o.responseModel, MAX_MODEL_CHARS))
  const reasons = o.finishReasons?.() ?? NONE
  if (reasons.length > 0) put(K.reasons, reasons)
  // seconds, as the semantic conventions' time-to-first-token measure
  if (o.timeToFirstTokenMs !== null) put(K.ttft, o.timeToFirstTokenMs / 1000)
  if (o.cost > 0) put(K.cost, o.cost)
  const p = o.payloads
  if (p) {
    if (p.request !== null) put(K.inputMessages, ownPrefix(p.request, MAX_PAYLOAD_CHARS))
    put(K.outputMessages, ownPrefix(p.response, MAX_PAYLOAD_CHARS))
  }
  if (failed(o)) put(K.error, o.ending !== 'complete' ? o.ending : String(o.status))
}

const NONE: readonly string[] = []

// the walk's target, set around each walk (synchronous): no closure per span
let attrs: Attrs = {}
const toRecord: Put = (k, v) => { attrs[KEYS[k]!] = Array.isArray(v) ? [...(v as readonly string[])] : (v as AttrValue) }

/** the operation and provider pairs of the last route type and provider */
const KIND_BLOCK = new RepeatedBytes()
/** the request model, response model and finish reason pairs of the last answer with one reason */
const MODEL_BLOCK = new RepeatedBytes()
const E = ENCODED_KEYS
const OPERATION = PAIRS[K.operation]!
const PROVIDER = PAIRS[K.provider]!
const REQUEST_MODEL = PAIRS[K.requestModel]!
const RESPONSE_MODEL = PAIRS[K.responseModel]!

/**
 * A string attribute through its pairs cache; a value of another type (an outcome's fields are
 * typed, but a model name starts as a client's JSON) written as walk's record has it.
 */
function pairAttr(w: OtlpWriter, pairs: EncodedPairs, k: number, v: unknown): void {
  if (typeof v === 'string') { pairs.write(w, v); return }
  const key = E[k]!
  const kv = attrOpen(w, key)
  anyValue(w, v)
  attrClose(w, kv, key)
}

/** finish reasons: an array value */
function reasonsAttr(w: OtlpWriter, reasons: readonly string[]): void {
  const kv = attrOpen(w, E[K.reasons]!)
  anyValue(w, reasons)
  attrClose(w, kv, E[K.reasons]!)
}

/**
 * walk's attributes, in its order, written straight into `w` (the bytes genaiSpan's record
 * encodes to, checked in the tests): the values that repeat (route type and provider; models and
 * a single finish reason) as kept blocks (repeated-bytes.ts), no callback per attribute.
 */
function writeAttributes(w: OtlpWriter, o: LlmOutcome): void {
  const routeType = o.routeType ?? 'llm/v1/chat'
  const provider = o.provider
  const strings = typeof routeType === 'string' && typeof provider === 'string'
  if (!strings || !KIND_BLOCK.writeKept(w, routeType, provider, '', '', '')) {
    const from = w.pos
    pairAttr(w, OPERATION, K.operation, operationOf(o))
    pairAttr(w, PROVIDER, K.provider, own(PROVIDERS, provider) ?? provider)
    if (strings) KIND_BLOCK.keep(w, from, routeType, provider, '', '', '')
  }
  const usage = o.usage
  if (usage.prompt_tokens > 0 || usage.completion_tokens > 0) {
    attrNumber(w, E[K.input]!, usage.prompt_tokens)
    attrNumber(w, E[K.output]!, usage.completion_tokens)
  }
  const requestModel = requestModelOf(o)
  const responseModel = o.responseModel === null ? null : ownPrefix(o.responseModel, MAX_MODEL_CHARS)
  const reasons = o.finishReasons?.() ?? NONE
  const reason = reasons.length === 1 ? reasons[0] : undefined
  if (typeof requestModel === 'string' && typeof responseModel === 'string' && typeof reason === 'string') {
    if (!MODEL_BLOCK.writeKept(w, requestModel, responseModel, reason, '', '')) {
      const from = w.pos
      REQUEST_MODEL.write(w, requestModel)
      RESPONSE_MODEL.write(w, responseModel)
      reasonsAttr(w, reasons)
      MODEL_BLOCK.keep(w, from, requestModel, responseModel, reason, '', '')
    }
  } else {
    if (requestModel !== null) pairAttr(w, REQUEST_MODEL, K.requestModel, requestModel)
    if (responseModel !== null) pairAttr(w, RESPONSE_MODEL, K.responseModel, responseModel)
    if (reasons.length > 0) reasonsAttr(w, reasons)
  }
  if (o.timeToFirstTokenMs !== null) attrNumber(w, E[K.ttft]!, o.timeToFirstTokenMs / 1000)
  if (o.cost > 0) attrNumber(w, E[K.cost]!, o.cost)
  const p = o.payloads
  if (p) {
    if (p.request !== null) attrString(w, E[K.inputMessages]!, ownPrefix(p.request, MAX_PAYLOAD_CHARS))
    attrString(w, E[K.outputMessages]!, ownPrefix(p.response, MAX_PAYLOAD_CHARS))
  }
  if (failed(o)) attrString(w, E[K.error]!, o.ending !== 'complete' ? o.ending : String(o.status))
}

/** The GenAI span as a record (the reference encodeGenaiSpan is checked against; tests). */
export function genaiSpan(r: TracedRequest, o: LlmOutcome, now: number): LeanSpan {
  const a: Attrs = (attrs = {})
  walk(o, toRecord)
  attrs = {}
  return new LeanSpan(nameOf(o), KIND.client, r.traceId, newSpanId(), r.rootId, now - o.latencyMs, now, a, failed(o) ? STATUS.error : STATUS.unset)
}

/**
 * span name fields (encodedName) by route type, then model (cut as the name has it; no model: the
 * route type's own entry): made once per pair, capped (a client may pick the model)
 */
const nameFields = new Map<string, { noModel: Uint8Array | null; byModel: Map<string, Uint8Array> }>()
const MAX_NAME_FIELDS = 256
let nameFieldCount = 0

/** name fields kept (tests: the cap holds) */
export const genaiNameFieldCount = (): number => nameFieldCount

/**
 * the name field written last and what it was for: most requests repeat it, and comparing the
 * model costs less than two map lookups (the model is a string of its own: a client's may be a
 * slice of its whole body)
 */
let lastRouteType: string | null = null
let lastModel: string | null = null
let lastField: Uint8Array | null = null

function nameField(o: LlmOutcome): Uint8Array {
  const routeType = o.routeType ?? 'llm/v1/chat'
  const model = requestModelOf(o)
  if (lastField !== null && routeType === lastRouteType && model === lastModel) return lastField
  const f = keptNameField(routeType, model, o)
  lastRouteType = routeType
  lastModel = model === null ? null : ownString(model)
  lastField = f
  return f
}

function keptNameField(routeType: string, model: string | null, o: LlmOutcome): Uint8Array {
  const known = nameFields.get(routeType)
  const f = known === undefined ? undefined : model === null ? known.noModel : known.byModel.get(model)
  if (f !== undefined && f !== null) return f
  const made = encodedName(nameOf(o), KIND.client)
  if (nameFieldCount < MAX_NAME_FIELDS) {
    let entry = known
    if (entry === undefined) nameFields.set(routeType, (entry = { noModel: null, byModel: new Map() }))
    if (model === null) entry.noModel = made
    else entry.byModel.set(ownString(model), made)
    nameFieldCount++
  }
  return made
}

/** the request's child-span ids (encodeGenaiSpan is synchronous) */
const ids = childIds()

/**
 * The GenAI span written straight into `w` (the bytes genaiSpan's record encodes to): no
 * attribute object, no span id or name string.
 */
export function encodeGenaiSpan(w: OtlpWriter, r: TracedRequest, o: LlmOutcome, now: number): void {
  w.setTimes(now - o.latencyMs, now)
  const mark = openChild(w, idsOf(r, ids), false, nameField(o))
  writeAttributes(w, o)
  closeSpan(w, mark, failed(o) ? STATUS.error : STATUS.unset, false)
}
