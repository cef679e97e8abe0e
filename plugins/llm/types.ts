// The contracts of the shared AI library (not a plugin): provider drivers, stream transcoders,
// client formats and auth strategies. Everything speaks OpenAI's shapes internally, as Kong does:
// a client format turns its native request into an OpenAI-shaped one, a driver turns that into the
// provider's, and the way back mirrors it. A method returns null for "unchanged" so that a
// passthrough never re-encodes a body. Config types come from the schemas (schema.ts).
import type { AuthConf as SchemaAuthConf, EmbeddingsModel, ModelOptions as SchemaModelOptions } from './schema.ts'
import type { CheckedConf } from './entity-checks.ts'

export type RouteType = 'llm/v1/chat' | 'llm/v1/completions' | 'llm/v1/embeddings' | 'preserve' | OpenAiApiRoute

/**
 * Kong 3.11's OpenAI API route types that are not LLM text generation (files, batches, assistants,
 * responses, audio, images): the OpenAI family proxies them to the same API unconverted, multipart
 * bodies included; statistics come from the answer's `usage` when it has one.
 */
export type OpenAiApiRoute =
  | 'llm/v1/responses' | 'llm/v1/files' | 'llm/v1/batches' | 'llm/v1/assistants'
  | 'audio/v1/audio/speech' | 'audio/v1/audio/transcriptions' | 'audio/v1/audio/translations'
  | 'image/v1/images/generations' | 'image/v1/images/edits'
  | 'realtime/v1/realtime'
  // Kong 3.13: OpenAI's Videos API (Gemini's Veo and Bedrock's Nova Reel convert it)
  | 'video/v1/videos/generations'

/** Kong's provider ids, byte for byte. A third party may register others. */
export type ProviderId =
  | 'openai' | 'azure' | 'anthropic' | 'gemini' | 'bedrock' | 'cohere' | 'mistral' | 'llama2' | 'huggingface'
  | 'cerebras' | 'xai' | 'deepseek' | 'dashscope' | 'databricks' | 'ollama' | 'vllm' | (string & {})

export type LlmFormat = 'openai' | 'anthropic' | 'gemini' | 'bedrock' | 'cohere' | 'huggingface'

/** `config.model.options` (with templates already resolved for a request): the schema's type. */
export type ModelOptions = SchemaModelOptions

/** `config.model` resolved for one request. */
export interface ModelConf {
  provider: ProviderId
  /** resolved model name; undefined when neither config nor request gives one (embeddings/preserve) */
  name?: string
  options: ModelOptions
}

/** An OpenAI-shaped request body (chat, completions or embeddings), parsed. Unknown fields pass through. */
export interface LlmRequest {
  model?: string | null
  messages?: ChatMessage[]
  prompt?: string | string[]
  input?: unknown
  stream?: boolean
  stream_options?: { include_usage?: boolean }
  max_tokens?: number
  max_completion_tokens?: number
  temperature?: number
  top_p?: number
  top_k?: number
  stop?: string | string[]
  tools?: { type: 'function'; function: { name: string; description?: string; parameters?: unknown; strict?: boolean } }[]
  tool_choice?: unknown
  response_format?: { type: string; json_schema?: { name?: string; schema?: unknown; strict?: boolean } }
  /** provider-specific parameters merged into the provider body (Gemini thinkingConfig, Bedrock fields, ...) */
  extra_body?: Record<string, unknown>
  [extra: string]: unknown
}

export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | (string & {})
  content?: string | ContentPart[] | null
  name?: string
  tool_calls?: ToolCall[]
  tool_call_id?: string
  [extra: string]: unknown
}

export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: string } }
  | { type: string; [k: string]: unknown }

export interface ToolCall {
  id: string
  type: 'function'
  function: { name: string; arguments: string }
}

export interface TokenUsage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
}

/** Where the upstream call goes. */
export interface UpstreamTarget {
  scheme: 'http' | 'https'
  host: string
  port: number
  /** path without query */
  path: string
  /** raw query without '?', or null */
  query: string | null
}

/** What a driver knows about the request it converts. */
export interface DriverContext {
  route: RouteType
  model: ModelConf
  stream: boolean
  /** client request path and raw query (for preserve and Azure's api-version) */
  clientPath: string
  clientQuery: string
  /** the client's method: a native client's operation is checked against its provider's table */
  clientMethod?: string
  /** the client's `llm_format` when it is not openai (a native client: the driver may keep its path) */
  llmFormat?: LlmFormat
}

/** Result of converting a provider's 200 answer to OpenAI's shape. */
export interface DecodedResponse {
  /** OpenAI-shaped body to send, or null to send the upstream bytes unchanged */
  body: string | null
  usage: TokenUsage | null
  /** model the provider reports, or null */
  model: string | null
  /** the OpenAI-shaped answer as an object, when the driver had to build one (for logs) */
  parsed?: unknown
}

/**
 * A provider, as a sub-plugin (registerProvider). Pure functions of their inputs, apart from
 * `stream()`, which returns a fresh stateful transcoder per request.
 * Errors: throw `llmError(status, message)` (plugins/llm/errors.ts) with Kong's messages, e.g.
 * 400 `error transforming to anthropic://llm/v1/chat: ...` for a request it cannot convert,
 * 500 `transformation failed from type anthropic://llm/v1/chat: 'content' not in anthropic://llm/v1/chat response`.
 */
export interface ProviderDriver {
  readonly id: ProviderId
  readonly routes: ReadonlySet<RouteType>
  /** Kong's providers without usage in their streams get prompt tokens pre-estimated */
  readonly streamUsage: boolean
  /**
   * true when a 200 answer is already OpenAI-shaped (decodeResponse never changes it): the pipeline
   * then forwards the upstream bytes as they arrive and reads usage at the end, without buffering.
   */
  readonly passthroughResponse?: boolean
  /** extra `ai.proxy.meta.*` log fields (Azure's instance, deployment and api-version) */
  logMeta?(ctx: DriverContext): Record<string, string | undefined>
  /** built-in URL for this route (used when model.options.upstream_url is not set) */
  target(ctx: DriverContext): UpstreamTarget
  /** extra upstream headers the provider always needs (e.g. anthropic-version) */
  headers?(ctx: DriverContext): readonly (readonly [string, string])[]
  /** OpenAI-shaped request → provider body (JSON text); null = the client's bytes unchanged */
  encodeRequest(req: LlmRequest, raw: Buffer, ctx: DriverContext): string | null
  /**
   * The call sent in place of the client's when the provider's differs in method or body type,
   * for a request encodeRequest was not given (no JSON body: a GET, a multipart upload): Vertex
   * reads a Veo operation with a POST where the client sent a GET; Gemini's file upload is
   * multipart/related where the client sent a multipart form. null = the client's call unchanged.
   */
  rewriteCall?(ctx: DriverContext, raw: Buffer | null, contentType: string | undefined): RewrittenCall | null
  /** provider 200 body → OpenAI-shaped body */
  decodeResponse(body: Buffer, ctx: DriverContext): DecodedResponse
  /** a fresh converter of the provider's stream into OpenAI chunks */
  stream(ctx: DriverContext): StreamTranscoder
  /**
   * Kong's entity checks on this provider's options, at config load: push each message. They run
   * after the auth rules and before the rules on option records any provider may carry.
   */
  checkOptions?(conf: CheckedConf, out: string[]): void
  /** this provider's entity checks that depend on the route and logging (run last) */
  checkRoute?(conf: CheckedConf, out: string[]): void
  /**
   * The embeddings call for semantic routing and caches (`embeddings.model`), built once per
   * config. Only providers that have one can be named there.
   */
  embeddings?(model: EmbeddingsModel, dimensions: number): EmbeddingsCall
}

/** A call a driver sends in place of the client's (ProviderDriver.rewriteCall). */
export interface RewrittenCall {
  method: 'GET' | 'POST' | 'DELETE'
  body: string | Buffer
  contentType: string
}

/** One text → one vector through a provider: where to send it, what to send, where the vector is. */
export interface EmbeddingsCall {
  target: UpstreamTarget
  body(text: string): Record<string, unknown>
  vector(answer: unknown): unknown
}

/**
 * Where a stream converter delivers its output: OpenAI chunk objects, serialized once, for the
 * client's format, by the sink (plugins/llm/transcoders/chunk-sink.ts).
 */
export interface ChunkSink {
  /**
   * true when the client reads OpenAI SSE: a converter whose upstream already speaks it forwards
   * the bytes as they came (forward) instead of emitting chunks
   */
  readonly verbatim: boolean
  /** one OpenAI chunk (`chat.completion.chunk`, `text_completion`) or an in-stream error object */
  chunk(c: Record<string, unknown>): void
  /** upstream bytes that already are OpenAI SSE (only when verbatim) */
  forward(bytes: Buffer): void
  /** the end of the stream (`data: [DONE]` for an OpenAI client), once */
  done(): void
}

/**
 * Per-request stream conversion: the provider's bytes are framed into events (transcoders/: SSE,
 * NDJSON, JSON array, AWS event-stream) and each complete event becomes OpenAI chunks in the sink
 * at once. A chunk boundary may fall anywhere (inside a UTF-8 character, a JSON value, a binary
 * frame): incomplete input is carried to the next push.
 */
export interface StreamTranscoder {
  push(chunk: Buffer, sink: ChunkSink): void
  /** at upstream end: what was left, then `sink.done()` unless the provider's own end event gave it */
  end(sink: ChunkSink): void
  /** usage seen so far (provider events), zeros when none */
  readonly usage: TokenUsage
  /** the generated text so far (for estimates and payload logs), its head only when textCut */
  readonly text: string
  /** the length of all the generated text seen, kept or not (Kong's completion estimate) */
  readonly textLength: number
  /** the generated text outgrew the converter's cap (MAX_KEPT_TEXT): `text` is not the whole answer */
  readonly textCut: boolean
  /** finish reason of the last choice, if seen */
  readonly finishReason: string | null
  /** the model the provider names in its events (Anthropic's message_start, Gemini's modelVersion), if any */
  readonly responseModel?: string | null
}

/** A framer splits a byte stream into complete events; transcoders are built on one. */
export interface Framer<E> {
  push(chunk: Buffer, out: E[]): void
  end(out: E[]): void
}

/**
 * The client side (`llm_format`). `openai` is the identity. Others parse their native request
 * into the OpenAI shape (for checks, analytics, and conversion to a provider that does not speak
 * the format), and encode OpenAI answers back into their native shape.
 */
export interface ClientFormat {
  readonly id: LlmFormat
  /** providers that speak this format natively: the body is forwarded unchanged */
  nativeFor(provider: ProviderId): boolean
  /** native request → OpenAI shape; model and stream may come from the path (Gemini, Bedrock) */
  parseRequest(body: unknown, path: string): { request: LlmRequest; model: string | null; stream: boolean }
  /** OpenAI-shaped answer → native answer (JSON text) */
  encodeResponse(openai: Record<string, unknown>): string
  /** OpenAI chunk objects → native stream bytes (stateful, per request) */
  streamEncoder(): { push(chunk: Record<string, unknown>): Buffer; end(): Buffer }
  /** native usage and model from a native answer (for statistics in passthrough) */
  usageOf?(body: unknown): { usage: TokenUsage | null; model: string | null }
  /**
   * Native operations that carry no prompt (Anthropic's message batches: list, results, cancel,
   * and a create whose prompts are inside `requests[]`): passed to the format's own provider
   * without the prompt check. `path` is the normalized client path.
   */
  promptless?(path: string, method: string): boolean
}

/** The request about to leave, as auth strategies see it (SigV4 signs these exact bytes). */
export interface OutboundRequest {
  method: string
  target: UpstreamTarget
  /** lowercase name → value, as will be sent */
  headers: Map<string, string>
  body: string | Buffer | null
}

export interface AuthHandler {
  /**
   * Adds credentials. Synchronous when a token is cached (the warm path); a Promise only when one
   * must be fetched. May change headers, target.query or the body (body/query parameter auth).
   */
  apply(req: OutboundRequest, client: { header(name: string): string | undefined; query(name: string): string | undefined }): void | Promise<void>
  /** a 401/403 from the provider: drop the cached token so the retry fetches a fresh one */
  invalidate?(): void
  /**
   * Client request headers that must not reach the provider although the handler does not set
   * them (the core forwards client headers after auth ran): a native AWS client's session token,
   * which would ride along unsigned next to the gateway's SigV4 signature. The pipeline clears them.
   */
  readonly dropClientHeaders?: readonly string[]
}

/** `config.auth`, Kong's flat fields: the schema's type. */
export type AuthConf = SchemaAuthConf

/** An auth strategy, as a sub-plugin (registerAuthStrategy). Created once per plugin config. */
export interface AuthStrategy {
  readonly id: string
  /** whether this strategy serves this config (first match in registration order wins) */
  matches(auth: AuthConf, model: ModelConf): boolean
  create(auth: AuthConf, model: ModelConf): AuthHandler
}
