// Gemini: Google AI Studio (generativelanguage.googleapis.com) and Vertex AI (chat, completions,
// embeddings; images by generateContent: gemini/image-generation.ts; video by Veo: gemini/veo.ts), with Vertex's
// OpenAI-compatible batches: gemini/batches.ts), with Vertex's
// partner models (Anthropic, Mistral, AI21) and Model Garden endpoints (Kong's
// kong/llm/drivers/gemini.lua with the 3.11+ publisher routing and usage fixes).
// https://ai.google.dev/api/generate-content
// https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
// https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
// https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/use-partner-models
// Live (realtime/v1/realtime): the BidiGenerateContent WebSocket, frames relayed as they came
// (plugins/llm/realtime/gemini-live-reader.ts).
// Auth is the pipeline's: AI Studio's key as query parameter `key` or header `x-goog-api-key`;
// Vertex's service-account token is the gcp auth strategy's.
import { embeddingsTarget, valueAt } from '../embeddings-call.ts'
import type { DecodedResponse, DriverContext, LlmRequest, ProviderDriver, RouteType, StreamTranscoder, UpstreamTarget } from '../types.ts'
import { llmError } from '../errors.ts'
import { usageOfOpenAi } from '../pipeline/usage.ts'
import { OpenAiPassthroughTranscoder } from '../transcoders/openai-passthrough.ts'
import { anthropicDriver } from './anthropic.ts'
import { encodeChatRequest, encodeCompletionsRequest } from './anthropic/encode-request.ts'
import { ConversionError, toBatchEmbed, toGeminiChat, toVertexEmbed, type Json } from './gemini/encode-request.ts'
import { toOpenAiCompletion, toOpenAiEmbeddings, usageOf, type GeminiResponse } from './gemini/decode-response.ts'
import { GeminiStreamTranscoder } from './gemini/stream-transcoder.ts'
import { requirePost } from './native-operations.ts'
import { VIDEO_ROUTE, markConverted, requireConverted } from './video-request.ts'
import { fromVeoOperation, toVeoRequest, veoPath, veoStatusCall } from './gemini/veo.ts'
import { IMAGE_EDITS, IMAGE_GENERATIONS, isImageRoute } from './image-request.ts'
import { requireConvertedBody } from './converted-body.ts'
import { escapePathSegment } from './path-segment.ts'
import { fromGeminiImage, toGeminiImage } from './gemini/image-generation.ts'
import { BATCHES_ROUTE, noFilesApi } from './batch-jobs.ts'
import { geminiNativeBatch } from './native-batches.ts'
import { FILES_ROUTE, fromGeminiFiles, geminiFilesTarget, toGeminiUpload } from './gemini/files.ts'
import { fromGeminiBatch, geminiBatchTarget, toGeminiBatch } from './gemini/batches.ts'
import { embeddingsDimensions } from '../common-options.ts'
import { realtimeQuery } from '../realtime/realtime-query.ts'
import { REALTIME_ROUTE } from '../realtime/realtime-stages.ts'
import { record, str } from '../schema-fields.ts'
import { Type } from 'typebox'
import type { ProviderRegistration } from '../registry.ts'
import { modelGardenPath, operationOf, publisherOf, vertexModelPath, vertexOf, type Publisher, type VertexConf } from './gemini/vertex-coordinates.ts'

const AI_STUDIO = 'generativelanguage.googleapis.com'
const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16'

/** Operations a native Gemini client may call; with llm_format gemini the client's one is kept. */
const NATIVE_OPERATION = /\/models\/[^/:]+:(generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents)$/

/**
 * Requests whose client asked for base64 embeddings (the OpenAI SDK's default): the answer must
 * match. Keyed by the request's DriverContext, which lives from encode to decode.
 */
const base64Embeddings = new WeakSet<DriverContext>()

/** Who answers this request: Gemini itself, or an API Vertex hosts for another vendor. */
type Dialect = 'gemini' | 'anthropic' | 'openai'

function dialectOf(ctx: DriverContext, v: VertexConf | null): Dialect {
  if (v === null || ctx.route === 'preserve' || ctx.llmFormat === 'gemini') return 'gemini'
  if (v.endpointId !== null && ctx.route !== 'llm/v1/embeddings') return 'openai'
  const p = publisherOf(ctx.model.name ?? '')
  return p === 'anthropic' ? 'anthropic' : p === 'google' ? 'gemini' : 'openai'
}

function modelOf(ctx: DriverContext): string {
  return ctx.model.name ?? ''
}

function operation(ctx: DriverContext, publisher: Publisher, vertex: boolean): string {
  if (ctx.llmFormat === 'gemini' && publisher === 'google') {
    const m = NATIVE_OPERATION.exec(ctx.clientPath)
    if (m) return m[1]
  }
  if (ctx.route === 'llm/v1/embeddings') return vertex ? 'predict' : 'batchEmbedContents'
  return operationOf(publisher, ctx.stream)
}

/**
 * Gemini Live (realtime/v1/realtime): the Live API's WebSocket endpoint; the client's own
 * credential parameters are dropped (the gateway's auth adds the configured key or token).
 * https://ai.google.dev/api/live
 * https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/multimodal-live
 */
function liveTarget(ctx: DriverContext, v: VertexConf | null): UpstreamTarget {
  const query = realtimeQuery(ctx.clientQuery, [['key', null], ['access_token', null]]) || null
  return v === null
    ? { scheme: 'https', host: AI_STUDIO, port: 443, path: '/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent', query }
    : { scheme: v.scheme, host: v.host, port: v.port, path: '/ws/google.cloud.aiplatform.v1.LlmBidiService/BidiGenerateContent', query }
}

function target(ctx: DriverContext): UpstreamTarget {
  if (ctx.route === REALTIME_ROUTE) return liveTarget(ctx, vertexOf(ctx.model.options))
  const v = vertexOf(ctx.model.options)
  const model = modelOf(ctx)
  if (ctx.llmFormat === 'gemini') {
    // the native batch API (native-batches.ts); every other native operation is a POST, its path built from the table above
    const batch = geminiNativeBatch(ctx.clientPath, ctx.clientMethod, v !== null)
    if (batch !== null) {
      if (v !== null) return { scheme: v.scheme, host: v.host, port: v.port, path: `/v1/projects/${encodeURIComponent(v.project)}/locations/${encodeURIComponent(v.location)}${batch}`, query: null }
      const path = batch.includes(':batchGenerateContent') ? `/v1beta/models/${escapePathSegment(model)}:batchGenerateContent` : batch
      return { scheme: 'https', host: AI_STUDIO, port: 443, path, query: null }
    }
    requirePost('gemini', ctx.clientMethod)
  }
  if (ctx.route === FILES_ROUTE) {
    if (v !== null) noFilesApi(ctx, 'Cloud Storage (a gs:// URI)')
    return { scheme: 'https', host: AI_STUDIO, port: 443, ...geminiFilesTarget(ctx) }
  }
  if (ctx.route === BATCHES_ROUTE) {
    const { path, query } = geminiBatchTarget(ctx, v)
    return v === null ? { scheme: 'https', host: AI_STUDIO, port: 443, path, query } : { scheme: v.scheme, host: v.host, port: v.port, path, query }
  }
  if (isImageRoute(ctx.route)) {
    // images are generated (and edited) by generateContent, Gemini's own publisher on Vertex
    requireConvertedBody(ctx)
    return v === null
      ? { scheme: 'https', host: AI_STUDIO, port: 443, path: `/v1beta/models/${escapePathSegment(model)}:generateContent`, query: null }
      : { scheme: v.scheme, host: v.host, port: v.port, path: vertexModelPath(v, 'google', model, 'generateContent'), query: null }
  }
  if (ctx.route === VIDEO_ROUTE) {
    requireConverted(ctx)
    const path = veoPath(ctx, v)
    return v === null ? { scheme: 'https', host: AI_STUDIO, port: 443, path, query: null } : { scheme: v.scheme, host: v.host, port: v.port, path, query: null }
  }
  if (v === null) {
    const path = ctx.route === 'preserve' ? ctx.clientPath : `/v1beta/models/${encodeURIComponent(model)}:${operation(ctx, 'google', false)}`
    return { scheme: 'https', host: AI_STUDIO, port: 443, path, query: null }
  }
  let path: string
  if (ctx.route === 'preserve') path = ctx.clientPath
  else if (dialectOf(ctx, v) === 'openai' && v.endpointId !== null) path = modelGardenPath(v)
  else {
    const publisher = ctx.llmFormat === 'gemini' ? 'google' : publisherOf(model)
    path = vertexModelPath(v, publisher, model, operation(ctx, publisher, true))
  }
  return { scheme: v.scheme, host: v.host, port: v.port, path, query: null }
}

function transformError(route: RouteType, e: unknown): never {
  if (e instanceof ConversionError) throw llmError(400, `error transforming to gemini://${route}: ${e.message}`)
  throw e
}

function encodeRequest(req: LlmRequest, _raw: Buffer, ctx: DriverContext): string | null {
  const route = ctx.route
  if (route === 'preserve' || route === REALTIME_ROUTE) return null
  const v = vertexOf(ctx.model.options)
  try {
    // a batch call other than create sends no body (whatever the client sent with it)
    if (route === BATCHES_ROUTE) return JSON.stringify(toGeminiBatch(req, ctx, v) ?? {})
    // files take a multipart upload (rewriteCall): a JSON create is refused, the other calls send no body
    if (route === FILES_ROUTE) {
      if (v !== null) noFilesApi(ctx, 'Cloud Storage (a gs:// URI)')
      toGeminiUpload(ctx, null, 'application/json')
      return ''
    }
    if (isImageRoute(route)) {
      const body = JSON.stringify(toGeminiImage(req, ctx))
      markConverted(ctx)
      return body
    }
    if (route === VIDEO_ROUTE) {
      const body = JSON.stringify(toVeoRequest(req, ctx))
      markConverted(ctx)
      return body
    }
    switch (dialectOf(ctx, v)) {
      case 'anthropic': {
        // Claude on Vertex: the Messages API with the version in the body and the model in the path
        const body = route === 'llm/v1/completions' ? encodeCompletionsRequest(req, ctx) : encodeChatRequest(req, ctx)
        delete body.model
        body.anthropic_version = ctx.model.options.anthropic_version ?? VERTEX_ANTHROPIC_VERSION
        return JSON.stringify(body)
      }
      case 'openai':
        // Model Garden endpoints take no model (it is the endpoint); partner rawPredict keeps it
        if (v!.endpointId !== null && req.model !== undefined) {
          const { model: _, ...rest } = req
          return JSON.stringify(rest)
        }
        return null
      case 'gemini':
        if (route === 'llm/v1/embeddings') {
          if (req.encoding_format === 'base64') base64Embeddings.add(ctx)
          return JSON.stringify(v === null ? toBatchEmbed(req, ctx.model.options, modelOf(ctx)) : toVertexEmbed(req, ctx.model.options))
        }
        return JSON.stringify(toGeminiChat(req, ctx.model.name))
    }
  } catch (e) {
    transformError(route, e)
  }
}

function failed(route: RouteType, why: string): Error {
  return llmError(500, `transformation failed from type gemini://${route}: ${why}`)
}

function decodeResponse(body: Buffer, ctx: DriverContext): DecodedResponse {
  const route = ctx.route
  if (route === VIDEO_ROUTE) return fromVeoOperation(body, ctx)
  if (isImageRoute(route)) return fromGeminiImage(body, ctx)
  const v = vertexOf(ctx.model.options)
  if (route === BATCHES_ROUTE) return fromGeminiBatch(body, ctx, v)
  if (route === FILES_ROUTE) return fromGeminiFiles(body, ctx)
  const dialect = dialectOf(ctx, v)
  if (dialect === 'anthropic') return anthropicDriver.decodeResponse(body, ctx)
  if (dialect === 'openai') return { body: null, ...usageOfOpenAi(body) }

  let res: GeminiResponse & Json
  try {
    res = JSON.parse(body.toString('utf8')) as GeminiResponse & Json
  } catch {
    if (route === 'preserve') return { body: null, usage: null, model: null }
    throw failed(route, 'failed to decode response from Gemini')
  }
  if (res === null || typeof res !== 'object') throw failed(route, 'failed to decode response from Gemini')
  if (route === 'preserve') return { body: null, usage: usageOf(res.usageMetadata), model: res.modelVersion ?? null }

  const model = modelOf(ctx)
  if (route === 'llm/v1/embeddings') {
    const out = toOpenAiEmbeddings(res, model, base64Embeddings.has(ctx))
    if (out === null) throw failed(route, 'no embeddings received from Gemini')
    return { body: JSON.stringify(out.body), usage: out.usage, model, parsed: out.body }
  }
  if (Array.isArray(res.candidates) && res.candidates.length > 0) {
    const { body: answer, usage } = toOpenAiCompletion(res, model, route === 'llm/v1/completions')
    return { body: JSON.stringify(answer), usage, model: answer.model as string, parsed: answer }
  }
  if (res.promptFeedback) {
    // Kong answers a blocked prompt with 400: the pipeline keeps the error's status
    const f = res.promptFeedback
    throw llmError(400, f.blockReasonMessage ?? `prompt blocked by Gemini: ${f.blockReason ?? 'unknown reason'}`)
  }
  throw failed(route, 'no generation candidates received from Gemini, or max_tokens too short')
}

function stream(ctx: DriverContext): StreamTranscoder {
  const dialect = dialectOf(ctx, vertexOf(ctx.model.options))
  if (dialect === 'anthropic') return anthropicDriver.stream(ctx)
  if (dialect === 'openai') return new OpenAiPassthroughTranscoder()
  return new GeminiStreamTranscoder(modelOf(ctx), ctx.route === 'llm/v1/completions')
}

/** model.options fields of this provider (the Vertex coordinates; none for AI Studio) */
export const geminiOptions = {
  embeddings_dimensions: embeddingsDimensions,
  gemini: Type.Optional(record({ api_endpoint: str(), project_id: str(), location_id: str(), endpoint_id: str() })),
}

export const geminiDriver: ProviderRegistration = {
  options: geminiOptions,
  id: 'gemini',
  routes: new Set<RouteType>(['llm/v1/chat', 'llm/v1/completions', 'llm/v1/embeddings', 'preserve', VIDEO_ROUTE, IMAGE_GENERATIONS, IMAGE_EDITS, REALTIME_ROUTE, BATCHES_ROUTE, FILES_ROUTE]),
  streamUsage: true,
  target,
  encodeRequest,
  decodeResponse,
  stream,
  rewriteCall(ctx, raw, contentType) {
    const v = vertexOf(ctx.model.options)
    if (ctx.route === FILES_ROUTE && v === null) return toGeminiUpload(ctx, raw, contentType)
    // Vertex reads a Veo operation with a POST where the client sent a GET
    if (ctx.route === VIDEO_ROUTE && v !== null) return veoStatusCall(ctx, v)
    return null
  },
  checkOptions(conf, out) {
    if (conf.auth.allow_override === true) out.push('bedrock and gemini only support auth.allow_override = false')
  },
  embeddings(m, dimensions) {
    const g = m.options?.gemini
    if (g?.api_endpoint && g.project_id && g.location_id) {
      return {
        target: embeddingsTarget(m, `https://${g.api_endpoint}/v1/projects/${g.project_id}/locations/${g.location_id}/publishers/google/models/${m.name}:predict`),
        body: (content) => ({ instances: [{ content }], parameters: { outputDimensionality: dimensions } }),
        vector: (a) => valueAt(a, 'predictions', 0, 'embeddings', 'values'),
      }
    }
    return {
      target: embeddingsTarget(m, `https://generativelanguage.googleapis.com/v1beta/models/${m.name}:embedContent`),
      body: (text) => ({ content: { parts: [{ text }] }, outputDimensionality: dimensions }),
      vector: (a) => valueAt(a, 'embedding', 'values'),
    }
  },
}
