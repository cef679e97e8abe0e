// Vertex AI coordinates: which publisher serves a model and by which operation, and the Model
// Garden OpenAI-compatible endpoint. Kong's get_model_coordinates (3.11+).
// Spec: https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/use-partner-models
//       https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
import { defaultPort } from '../../../../core/proxy/default-port.ts'
import type { ModelOptions } from '../../types.ts'

export type Publisher = 'google' | 'anthropic' | 'mistral' | 'ai21'

export interface VertexConf {
  scheme: 'http' | 'https'
  host: string
  port: number
  project: string
  location: string
  endpointId: string | null
}

// options objects live as long as their config (or one request, when templated): parse each once
const parsed = new WeakMap<ModelOptions, VertexConf | null>()

/** Vertex mode iff api_endpoint, project_id and location_id are all set (the schema enforces all-or-none). */
export function vertexOf(opts: ModelOptions): VertexConf | null {
  let v = parsed.get(opts)
  if (v === undefined) parsed.set(opts, (v = parse(opts)))
  return v
}

function parse(opts: ModelOptions): VertexConf | null {
  const g = opts.gemini
  if (!g?.api_endpoint || !g.project_id || !g.location_id) return null
  // "hostname only" per Kong's schema; a port, or an explicit http:// (a private endpoint, a
  // test double) are accepted all the same
  const scheme = g.api_endpoint.startsWith('http://') ? 'http' : 'https'
  const hostPort = g.api_endpoint.replace(/^https?:\/\//, '').replace(/\/.*$/, '')
  const colon = hostPort.lastIndexOf(':')
  const port = colon > 0 ? Number(hostPort.slice(colon + 1)) : NaN
  return {
    scheme,
    host: Number.isInteger(port) ? hostPort.slice(0, colon) : hostPort,
    port: Number.isInteger(port) ? port : defaultPort(scheme),
    project: g.project_id,
    location: g.location_id,
    endpointId: g.endpoint_id ? g.endpoint_id : null,
  }
}

export function publisherOf(model: string): Publisher {
  if (model.startsWith('claude-')) return 'anthropic'
  if (model.startsWith('mistral-') || model.startsWith('codestral-')) return 'mistral'
  if (model.startsWith('jamba-')) return 'ai21'
  return 'google'
}

export function operationOf(publisher: Publisher, stream: boolean): string {
  if (publisher === 'google') return stream ? 'streamGenerateContent' : 'generateContent'
  return stream ? 'streamRawPredict' : 'rawPredict'
}

export function vertexModelPath(v: VertexConf, publisher: Publisher, model: string, operation: string): string {
  return `/v1/projects/${encodeURIComponent(v.project)}/locations/${encodeURIComponent(v.location)}/publishers/${publisher}/models/${encodeURIComponent(model)}:${operation}`
}

export function modelGardenPath(v: VertexConf): string {
  return `/v1/projects/${encodeURIComponent(v.project)}/locations/${encodeURIComponent(v.location)}/endpoints/${encodeURIComponent(v.endpointId!)}/chat/completions`
}
