// Amazon Bedrock through the Converse / ConverseStream APIs (Kong's kong/llm/drivers/bedrock.lua);
// images through InvokeModel (bedrock/image-generation.ts), video through StartAsyncInvoke
// (bedrock/nova-reel.ts), OpenAI-compatible batches through batch inference jobs on the control-plane
// host (bedrock/batches.ts), a native client's agent-runtime calls (rerank) on their own host.
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
// Requests are signed with SigV4 by the aws-sigv4 auth strategy, over the exact path built here.
import { withDetails } from '../../../core/errors.ts'
import { llmErrors } from '../errors.ts'
import { embeddingsTarget, valueAt } from '../embeddings-call.ts'
import type { DriverContext, ProviderDriver, RouteType, TokenUsage, UpstreamTarget } from '../types.ts'
import { toConverse } from './bedrock/encode-request.ts'
import { fromConverse, usageOf } from './bedrock/decode-response.ts'
import { createBedrockTranscoder } from './bedrock/stream-transcoder.ts'
import { requirePost } from './native-operations.ts'
import { escapePathSegment } from './path-segment.ts'
import { VIDEO_ROUTE, markConverted, requireConverted } from './video-request.ts'
import { fromNovaReel, novaReelPath, toNovaReel } from './bedrock/nova-reel.ts'
import { IMAGE_EDITS, IMAGE_GENERATIONS, isImageRoute } from './image-request.ts'
import { requireConvertedBody } from './converted-body.ts'
import { fromBedrockImage, toBedrockImage } from './bedrock/image-generation.ts'
import { BATCHES_ROUTE, noFilesApi } from './batch-jobs.ts'
import { bedrockNativeBatch } from './native-batches.ts'
import { bedrockBatchTarget, fromBedrockBatch, toBedrockBatch } from './bedrock/batches.ts'
import { record, str } from '../schema-fields.ts'
import { Type } from 'typebox'
import type { ProviderRegistration } from '../registry.ts'

/** `options.bedrock.aws_region`, else `AWS_REGION`, else `AWS_DEFAULT_REGION` (Kong's order). */
export function bedrockRegion(ctx: DriverContext): string {
  const region = ctx.model.options.bedrock?.aws_region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION
  if (!region) throw withDetails(llmErrors.identity(), { reason: 'AWS region not specified anywhere' })
  return region
}

/** A model id as one path segment (inference-profile ids keep their dots; an ARN's `/` is %2F). */
export const escapeModelId = escapePathSegment

function preservedUsage(body: Buffer): TokenUsage | null {
  try {
    return usageOf(JSON.parse(body.toString('utf8'))?.usage)
  } catch {
    return null
  }
}

// A native AWS SDK client keeps the model operation it called (InvokeModel bodies are not Converse).
const NATIVE_OPERATIONS = new Set(['converse', 'converse-stream', 'invoke', 'invoke-with-response-stream', 'count-tokens'])
const CLIENT_OPERATION = /\/model\/[^/]+\/([^/]+)$/

function operationOf(ctx: DriverContext): string {
  if (ctx.llmFormat === 'bedrock') {
    const op = CLIENT_OPERATION.exec(ctx.clientPath)?.[1]
    if (op !== undefined && NATIVE_OPERATIONS.has(op)) return op
  }
  return ctx.stream ? 'converse-stream' : 'converse'
}

/**
 * The Agents for Amazon Bedrock runtime operations a native client may call (Kong's native
 * Bedrock routes: rerank, retrieveAndGenerate, retrieveAndGenerateStream). They live on another
 * host, `bedrock-agent-runtime.<region>.amazonaws.com`, and are signed for the same SigV4 service
 * name, `bedrock` (the agent runtime's signing name in the AWS API model).
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_agent-runtime_Rerank.html
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_agent-runtime_RetrieveAndGenerate.html
 */
const AGENT_OPERATION = /\/(rerank|retrieveAndGenerate|retrieveAndGenerateStream)$/

/** The agent-runtime operation a native client called (the last path segment), or null. */
export function agentOperationOf(ctx: DriverContext): string | null {
  if (ctx.llmFormat !== 'bedrock' || ctx.route !== 'llm/v1/chat') return null
  return AGENT_OPERATION.exec(ctx.clientPath)?.[1] ?? null
}

// Compressed answers could not be converted (nor streamed chunk by chunk): ask for plain bytes.
const HEADERS = [['accept-encoding', 'identity']] as const

/** model.options fields of this provider */
export const bedrockOptions = {
  bedrock: Type.Optional(record({
    aws_region: str(),
    aws_assume_role_arn: str(),
    aws_role_session_name: str(),
    aws_sts_endpoint_url: str(),
    embeddings_normalize: Type.Boolean({ default: false }),
    performance_config_latency: str(),
    video_output_s3_uri: str(),
    batch_bucket_prefix: str(),
    batch_role_arn: str(),
  })),
}

export const bedrockDriver: ProviderRegistration = {
  options: bedrockOptions,
  id: 'bedrock',
  routes: new Set<RouteType>(['llm/v1/chat', 'preserve', VIDEO_ROUTE, IMAGE_GENERATIONS, IMAGE_EDITS, BATCHES_ROUTE, 'llm/v1/files']),
  streamUsage: true,
  checkOptions(conf, out) {
    if (conf.auth.allow_override === true) out.push('bedrock and gemini only support auth.allow_override = false')
  },
  embeddings(m, dimensions) {
    const o = m.options?.bedrock
    const region = o?.aws_region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1'
    return {
      target: embeddingsTarget(m, `https://bedrock-runtime.${region}.amazonaws.com/model/${encodeURIComponent(m.name)}/invoke`),
      body: (inputText) => ({ inputText, dimensions, normalize: o?.embeddings_normalize ?? false }),
      vector: (a) => valueAt(a, 'embedding'),
    }
  },

  target(ctx): UpstreamTarget {
    // a native client's operations are all POST; the path is built here from NATIVE_OPERATIONS
    if (ctx.llmFormat === 'bedrock') {
      // the native batch inference API (native-batches.ts), on the control-plane host
      const batch = ctx.route === 'llm/v1/chat' ? bedrockNativeBatch(ctx.clientPath, ctx.clientMethod) : null
      if (batch !== null) return { scheme: 'https', host: `bedrock.${bedrockRegion(ctx)}.amazonaws.com`, port: 443, path: batch, query: null }
      requirePost('bedrock', ctx.clientMethod)
    }
    const agentOperation = agentOperationOf(ctx)
    if (agentOperation !== null) return { scheme: 'https', host: `bedrock-agent-runtime.${bedrockRegion(ctx)}.amazonaws.com`, port: 443, path: `/${agentOperation}`, query: null }
    if (ctx.route === 'llm/v1/files') noFilesApi(ctx, 'S3 (model.options.bedrock.batch_bucket_prefix)')
    // batch inference jobs live on the control-plane host
    if (ctx.route === BATCHES_ROUTE) return { scheme: 'https', host: `bedrock.${bedrockRegion(ctx)}.amazonaws.com`, port: 443, ...bedrockBatchTarget(ctx) }
    const host = `bedrock-runtime.${bedrockRegion(ctx)}.amazonaws.com`
    if (isImageRoute(ctx.route)) {
      requireConvertedBody(ctx)
      return { scheme: 'https', host, port: 443, path: `/model/${escapeModelId(ctx.model.name ?? '')}/invoke`, query: null }
    }
    if (ctx.route === VIDEO_ROUTE) {
      requireConverted(ctx)
      return { scheme: 'https', host, port: 443, path: novaReelPath(ctx, escapeModelId), query: null }
    }
    const path = ctx.route === 'preserve'
      ? ctx.clientPath
      : `/model/${escapeModelId(ctx.model.name ?? '')}/${operationOf(ctx)}`
    return { scheme: 'https', host, port: 443, path, query: null }
  },

  headers: () => HEADERS,

  encodeRequest(req, _raw, ctx) {
    if (ctx.route === 'preserve') return null
    // a batch call other than create sends no body (whatever the client sent with it)
    if (ctx.route === BATCHES_ROUTE) return JSON.stringify(toBedrockBatch(req, ctx) ?? {})
    if (ctx.route === 'llm/v1/files') noFilesApi(ctx, 'S3 (model.options.bedrock.batch_bucket_prefix)')
    if (isImageRoute(ctx.route)) {
      const body = JSON.stringify(toBedrockImage(req, ctx))
      markConverted(ctx)
      return body
    }
    if (ctx.route === VIDEO_ROUTE) {
      const body = JSON.stringify(toNovaReel(req, ctx))
      markConverted(ctx)
      return body
    }
    return JSON.stringify(toConverse(req, ctx))
  },

  decodeResponse(body, ctx) {
    // preserve forwards the answer as it is; its usage still counts when it is a Converse answer
    if (ctx.route === 'preserve') return { body: null, usage: preservedUsage(body), model: null }
    if (ctx.route === VIDEO_ROUTE) return fromNovaReel(body, ctx)
    if (ctx.route === BATCHES_ROUTE) return fromBedrockBatch(body, ctx)
    if (isImageRoute(ctx.route)) return fromBedrockImage(body, ctx)
    return fromConverse(body, ctx)
  },

  stream: (ctx) => createBedrockTranscoder(ctx),
}
