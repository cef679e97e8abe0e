// The embeddings client for semantic routing (Kong's kong/llm/embeddings/*.lua): turns a text into
// a vector through any embeddings-capable provider named in `embeddings.model`, with the
// credentials of `embeddings.auth` applied by the LLM library's own auth strategies (header or
// parameter keys, Azure managed identity, GCP service account, AWS SigV4), so every identity
// ai-proxy supports works here too. Answers are cached per text (Kong: per-request cache keyed on
// url+model+prompt); a concurrent miss for the same text shares one call.
//   OpenAI  https://platform.openai.com/docs/api-reference/embeddings/create
//   Mistral https://docs.mistral.ai/api/#tag/embeddings
//   Azure   https://learn.microsoft.com/azure/ai-services/openai/reference#embeddings
//   Ollama  https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings
//   Gemini  https://ai.google.dev/api/embeddings#method:-models.embedcontent (Vertex: text-embeddings-api)
//   Bedrock https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
//   Hugging Face https://huggingface.co/docs/inference-providers/tasks/feature-extraction
import { LRUCache } from 'lru-cache'
import { request } from 'undici'
import { authStrategyFor } from '../../llm/registry.ts'
import { parseUpstreamUrl } from '../../llm/pipeline/target.ts'
import type { AuthConf, AuthHandler, ModelConf, OutboundRequest, ProviderId, UpstreamTarget } from '../../llm/types.ts'
import type { EmbeddingsConf } from '../schema.ts'

export interface Embedder {
  embed(text: string): Promise<number[]>
}

type EmbeddingsProvider = 'openai' | 'mistral' | 'azure' | 'ollama' | 'gemini' | 'bedrock' | 'huggingface'

interface Call {
  target: UpstreamTarget
  body: (text: string) => Record<string, unknown>
  vector: (answer: unknown) => unknown
}

const at = (v: unknown, ...path: (string | number)[]): unknown => {
  let x = v
  for (const k of path) x = x !== null && typeof x === 'object' ? (x as Record<string | number, unknown>)[k] : undefined
  return x
}

function callFor(conf: EmbeddingsConf, dimensions: number): Call {
  const m = conf.model
  const o = m.options ?? {}
  const url = (fallback: string) => parseUpstreamUrl(o.upstream_url ?? fallback)
  const openAiShape = (a: unknown) => at(a, 'data', 0, 'embedding')
  switch (m.provider as EmbeddingsProvider) {
    case 'openai':
      return { target: url('https://api.openai.com/v1/embeddings'), body: (input) => ({ input, model: m.name, dimensions }), vector: openAiShape }
    case 'mistral':
      return { target: url('https://api.mistral.ai/v1/embeddings'), body: (input) => ({ input, model: m.name }), vector: openAiShape }
    case 'azure': {
      const az = o.azure ?? { api_version: '2023-05-15' }
      const t = url(`https://${az.instance ?? ''}.openai.azure.com/openai/deployments/${az.deployment_id ?? m.name}/embeddings`)
      if (t.query === null) t.query = `api-version=${encodeURIComponent(az.api_version)}`
      return { target: t, body: (input) => ({ input, model: m.name, dimensions }), vector: openAiShape }
    }
    case 'ollama':
      return {
        target: url('http://127.0.0.1:11434/api/embed'),
        body: (input) => ({ input, model: m.name }),
        vector: (a) => at(a, 'embeddings', 0) ?? at(a, 'embedding') ?? openAiShape(a),
      }
    case 'gemini': {
      const g = o.gemini
      if (g?.api_endpoint && g.project_id && g.location_id) {
        return {
          target: url(`https://${g.api_endpoint}/v1/projects/${g.project_id}/locations/${g.location_id}/publishers/google/models/${m.name}:predict`),
          body: (content) => ({ instances: [{ content }], parameters: { outputDimensionality: dimensions } }),
          vector: (a) => at(a, 'predictions', 0, 'embeddings', 'values'),
        }
      }
      return {
        target: url(`https://generativelanguage.googleapis.com/v1beta/models/${m.name}:embedContent`),
        body: (text) => ({ content: { parts: [{ text }] }, outputDimensionality: dimensions }),
        vector: (a) => at(a, 'embedding', 'values'),
      }
    }
    case 'bedrock': {
      const region = o.bedrock?.aws_region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1'
      return {
        target: url(`https://bedrock-runtime.${region}.amazonaws.com/model/${encodeURIComponent(m.name)}/invoke`),
        body: (inputText) => ({ inputText, dimensions, normalize: o.bedrock?.embeddings_normalize ?? false }),
        vector: (a) => at(a, 'embedding'),
      }
    }
    case 'huggingface': {
      const hf = o.huggingface
      return {
        target: url(`https://router.huggingface.co/hf-inference/models/${m.name}/pipeline/feature-extraction`),
        body: (inputs) => ({ inputs, ...(hf && { options: { use_cache: hf.use_cache, wait_for_model: hf.wait_for_model } }) }),
        vector: (a) => (Array.isArray(a) && Array.isArray(a[0]) ? a[0] : a),
      }
    }
    default:
      throw new Error(`no embeddings driver for provider '${String(m.provider)}'`)
  }
}

/** The model config the auth strategies read (Kong's target option names). */
function modelConfOf(conf: EmbeddingsConf): ModelConf {
  const o = conf.model.options ?? {}
  return {
    provider: conf.model.provider as ProviderId,
    name: conf.model.name,
    options: {
      ...(o.upstream_url !== undefined && { upstream_url: o.upstream_url }),
      ...(o.azure && { azure_instance: o.azure.instance, azure_deployment_id: o.azure.deployment_id, azure_api_version: o.azure.api_version }),
      ...(o.gemini && { gemini: o.gemini }),
      ...(o.bedrock && { bedrock: o.bedrock }),
    },
  }
}

const NO_CLIENT = { header: () => undefined, query: () => undefined }

export function createEmbedder(conf: EmbeddingsConf, dimensions: number): Embedder {
  const call = callFor(conf, dimensions)
  const auth = (conf.auth ?? {}) as AuthConf
  const model = modelConfOf(conf)
  const handler: AuthHandler = authStrategyFor(auth, model).create(auth, model)
  const t = call.target
  const shown = `${t.scheme}://${t.host}${(t.scheme === 'https' && t.port === 443) || (t.scheme === 'http' && t.port === 80) ? '' : `:${t.port}`}${t.path}`

  async function fetchVector(text: string): Promise<number[]> {
    const out: OutboundRequest = {
      method: 'POST',
      target: { ...t },
      headers: new Map([['content-type', 'application/json'], ['accept', 'application/json']]),
      body: JSON.stringify(call.body(text)),
    }
    const r = handler.apply(out, NO_CLIENT)
    if (r) await r
    const q = out.target.query
    const res = await request(`${out.target.scheme}://${out.target.host}:${out.target.port}${out.target.path}${q ? `?${q}` : ''}`, {
      method: 'POST', headers: Object.fromEntries(out.headers), body: out.body,
    })
    const raw = await res.body.text()
    if (res.statusCode !== 200) throw new Error(`unexpected embeddings response (${shown}): ${res.statusCode}`)
    const v = call.vector(JSON.parse(raw))
    if (!Array.isArray(v) || v.length === 0 || typeof v[0] !== 'number') throw new Error(`unexpected embeddings response (${shown}): no vector`)
    return v as number[]
  }

  const cache = new LRUCache<string, number[]>({ max: 1000, fetchMethod: (text) => fetchVector(text) })
  return {
    embed: async (text) => {
      const v = await cache.fetch(text)
      if (!v) throw new Error(`unexpected embeddings response (${shown}): no vector`)
      return v
    },
  }
}
