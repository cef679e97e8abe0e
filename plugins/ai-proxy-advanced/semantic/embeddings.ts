// The embeddings client for semantic routing (Kong's kong/llm/embeddings/*.lua): turns a text into
// a vector through the embeddings call of the provider named in `embeddings.model` (each provider's
// registration says its URL, body and where the vector is), with the credentials of
// `embeddings.auth` applied by the LLM library's own auth strategies (header or parameter keys,
// Azure managed identity, GCP service account, AWS SigV4), so every identity ai-proxy supports
// works here too. Answers are cached per text (Kong: per-request cache keyed on url+model+prompt);
// a concurrent miss for the same text shares one call.
import { LRUCache } from 'lru-cache'
import { loadUndici } from '../../../core/proxy/load-undici.ts'
import { isDefaultPort } from '../../../core/proxy/default-port.ts'
import { authStrategyFor, getProvider } from '../../llm/registry.ts'
import type { AuthHandler, EmbeddingsCall, ModelConf, OutboundRequest } from '../../llm/types.ts'
import type { EmbeddingsConf } from '../schema.ts'

export interface Embedder {
  embed(text: string): Promise<number[]>
}

function callFor(conf: EmbeddingsConf, dimensions: number): EmbeddingsCall {
  const provider = getProvider(conf.model.provider)
  if (!provider?.embeddings) throw new Error(`no embeddings driver for provider '${String(conf.model.provider)}'`)
  return provider.embeddings(conf.model, dimensions)
}

/** The model config the auth strategies read (Kong's target option names). */
function modelConfOf(conf: EmbeddingsConf): ModelConf {
  const o = conf.model.options ?? {}
  return {
    provider: conf.model.provider,
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
  const auth = conf.auth ?? {}
  const model = modelConfOf(conf)
  const handler: AuthHandler = authStrategyFor(auth, model).create(auth, model)
  const t = call.target
  const shown = `${t.scheme}://${t.host}${isDefaultPort(t.scheme, t.port) ? '' : `:${t.port}`}${t.path}`

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
    // undici with the first embeddings call, not at start (core/proxy/load-undici.ts)
    const res = await loadUndici().request(`${out.target.scheme}://${out.target.host}:${out.target.port}${out.target.path}${q ? `?${q}` : ''}`, {
      method: 'POST', headers: Object.fromEntries(out.headers), body: out.body,
    })
    const raw = await res.body.text()
    if (res.statusCode !== 200) throw new Error(`unexpected embeddings response (${shown}): ${res.statusCode}`)
    const v = call.vector(JSON.parse(raw))
    if (!Array.isArray(v) || v.length === 0 || typeof v[0] !== 'number') throw new Error(`unexpected embeddings response (${shown}): no vector`)
    return v as number[]
  }

  // bounded by count and by the texts' size: the keys are client prompts (up to a request body each)
  const cache = new LRUCache<string, number[]>({
    max: 1000, maxSize: 4 * 1024 * 1024, sizeCalculation: (v, text) => text.length + v.length * 8, fetchMethod: (text) => fetchVector(text),
  })
  return {
    embed: async (text) => {
      const v = await cache.fetch(text)
      if (!v) throw new Error(`unexpected embeddings response (${shown}): no vector`)
      return v
    },
  }
}
