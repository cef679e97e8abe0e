// The GenAI span of an LLM request (OpenTelemetry GenAI semantic conventions, client inference
// span): `{operation} {model}`, kind CLIENT, child of the request's server span, from the one
// LlmOutcome the AI plugins publish per response. Payloads ride along only when the AI plugin
// logs them (logging.log_payloads), capped.
import type { LlmOutcome } from '../llm/outcome/llm-outcome.ts'
import { KIND, LeanSpan, STATUS, type Attrs } from './lean-span.ts'
import { newSpanId } from './trace-ids.ts'
import type { TracedRequest } from './request-spans.ts'

/** characters of a payload kept in an attribute */
export const MAX_PAYLOAD_CHARS = 32 * 1024
/** characters of a model name kept (the client may pick the name) */
export const MAX_MODEL_CHARS = 256

/**
 * At most `max` characters, in a string of its own: a span waits in the export queue, and V8's
 * slice of a long string is a view that keeps the whole original (a 1 MiB payload) alive.
 */
function cut(s: string, max: number): string {
  return s.length > max ? Buffer.from(s.slice(0, max), 'utf16le').toString('utf16le') : s
}

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

export function genaiSpan(r: TracedRequest, o: LlmOutcome, now: number): LeanSpan {
  const routeType = o.routeType ?? 'llm/v1/chat'
  const operation = own(OPERATIONS, routeType) ?? routeType
  const attrs: Attrs = {
    'gen_ai.operation.name': operation,
    'gen_ai.provider.name': own(PROVIDERS, o.provider) ?? o.provider,
  }
  // zeros = the answer's tokens were not read (the AI plugin reads them for log_statistics)
  if (o.usage.prompt_tokens > 0 || o.usage.completion_tokens > 0) {
    attrs['gen_ai.usage.input_tokens'] = o.usage.prompt_tokens
    attrs['gen_ai.usage.output_tokens'] = o.usage.completion_tokens
  }
  const requestModel = o.requestModel === null ? null : cut(o.requestModel, MAX_MODEL_CHARS)
  if (requestModel !== null) attrs['gen_ai.request.model'] = requestModel
  if (o.responseModel !== null) attrs['gen_ai.response.model'] = cut(o.responseModel, MAX_MODEL_CHARS)
  const reasons = o.finishReasons?.() ?? []
  if (reasons.length > 0) attrs['gen_ai.response.finish_reasons'] = [...reasons]
  // seconds, as the semantic conventions' time-to-first-token measure
  if (o.timeToFirstTokenMs !== null) attrs['gen_ai.server.time_to_first_token'] = o.timeToFirstTokenMs / 1000
  if (o.cost > 0) attrs['kong.ai.cost'] = o.cost
  const p = o.payloads
  if (p) {
    if (p.request !== null) attrs['gen_ai.input.messages'] = cut(p.request, MAX_PAYLOAD_CHARS)
    attrs['gen_ai.output.messages'] = cut(p.response, MAX_PAYLOAD_CHARS)
  }
  const failed = o.ending !== 'complete' || o.status >= 400 || o.status === 0
  if (failed) attrs['error.type'] = o.ending !== 'complete' ? o.ending : String(o.status)
  const name = requestModel !== null ? `${operation} ${requestModel}` : operation
  return new LeanSpan(name, KIND.client, r.traceId, newSpanId(), r.rootId, now - o.latencyMs, now, attrs, failed ? STATUS.error : STATUS.unset)
}
