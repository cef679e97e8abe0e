// `llm_format: gemini`: Google GenAI SDK clients (generateContent, generateContentStream) talk
// Gemini through the gateway, e.g. `new GoogleGenAI({ apiKey, httpOptions: { baseUrl: <route> } })`.
// Model and stream come from the path `/models/{model}:{operation}`. With provider gemini (AI
// Studio or Vertex) the body goes upstream unchanged and the answer comes back unchanged; the
// OpenAI-shaped copy serves checks and analytics, usage comes from usageMetadata.
// https://ai.google.dev/api/generate-content
import type { ClientFormat, TokenUsage } from '../types.ts'
import { usageOf as usageOfMetadata, type GeminiResponse } from '../drivers/gemini/decode-response.ts'
import { parseGenerateContent } from './gemini/parse-request.ts'
import { GEMINI_BATCH_PATH } from '../drivers/native-batches.ts'
import { createGeminiStreamEncoder, toGenerateContentResponse } from './gemini/encode-response.ts'

/** Usage and model of a native answer: an object, or a buffered stream (array or SSE events) whose last counts win. */
function usageOfAnswer(body: unknown): { usage: TokenUsage | null; model: string | null } {
  let usage: TokenUsage | null = null
  let model: string | null = null
  const read = (r: GeminiResponse | null) => {
    if (r === null || typeof r !== 'object') return
    const u = usageOfMetadata(r.usageMetadata)
    if (u) usage = u // running totals: the last one is the total
    if (typeof r.modelVersion === 'string') model = r.modelVersion
  }
  if (Array.isArray(body)) for (const r of body) read(r as GeminiResponse)
  else if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const text = body.toString().trim()
    const lines = text.startsWith('[') || text.startsWith('{') ? [text] : text.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5))
    for (const l of lines) {
      try { const v: unknown = JSON.parse(l); if (Array.isArray(v)) v.forEach((r) => read(r as GeminiResponse)); else read(v as GeminiResponse) } catch { /* not JSON: no usage */ }
    }
  } else read(body as GeminiResponse)
  return { usage, model }
}

export const geminiFormat: ClientFormat = {
  id: 'gemini',
  nativeFor: (provider) => provider === 'gemini',
  parseRequest(body, path) {
    const parsed = parseGenerateContent(body, path)
    // a Vertex batch job names its model in the body (`publishers/google/models/<m>`): the configured model's check applies to it
    const model = GEMINI_BATCH_PATH.test(path) && body !== null && typeof body === 'object' ? (body as { model?: unknown }).model : undefined
    return typeof model === 'string' ? { ...parsed, model: model.slice(model.lastIndexOf('/') + 1) } : parsed
  },
  encodeResponse: (openai) => toGenerateContentResponse(openai),
  streamEncoder: () => createGeminiStreamEncoder(),
  usageOf: (body) => usageOfAnswer(body),
  // the batch API's calls carry no prompt (their requests are in a file or inside `batch`)
  promptless: (path) => GEMINI_BATCH_PATH.test(path),
}
