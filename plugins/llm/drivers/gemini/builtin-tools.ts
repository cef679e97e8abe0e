// Gemini's built-in tools (Google Search grounding, code execution, URL context, ...): tools the
// model runs itself, declared next to function declarations as their own entries of `tools`.
// A client names them in an OpenAI-shaped `tools` array either as Gemini writes them
// (`{"googleSearch": {}}`) or with a `type` (`{"type": "google_search"}`); both spellings of each
// name are accepted, and the tool goes upstream in Gemini's camelCase.
// https://ai.google.dev/api/caching#Tool  https://ai.google.dev/gemini-api/docs/google-search
// https://ai.google.dev/gemini-api/docs/code-execution  https://ai.google.dev/gemini-api/docs/url-context
import { copyJson, isJsonObject, ownTable } from '../../../../core/safe-merge.ts'

type Json = Record<string, unknown>

/** Every accepted spelling → Gemini's field name. */
const BUILTIN = ownTable<string>({
  googleSearch: 'googleSearch', google_search: 'googleSearch',
  googleSearchRetrieval: 'googleSearchRetrieval', google_search_retrieval: 'googleSearchRetrieval',
  codeExecution: 'codeExecution', code_execution: 'codeExecution',
  urlContext: 'urlContext', url_context: 'urlContext',
  googleMaps: 'googleMaps', google_maps: 'googleMaps',
  enterpriseWebSearch: 'enterpriseWebSearch', enterprise_web_search: 'enterpriseWebSearch',
  retrieval: 'retrieval', computerUse: 'computerUse', computer_use: 'computerUse',
  fileSearch: 'fileSearch', file_search: 'fileSearch',
})

/**
 * The Gemini tool entry for one OpenAI-shaped tool that names a built-in tool, or null (a
 * function tool, or anything else). The tool's own settings (an object) are copied by own keys.
 */
export function builtinTool(tool: unknown): Json | null {
  if (!isJsonObject(tool)) return null
  if (typeof tool.type === 'string' && tool.type !== 'function') {
    const name = BUILTIN[tool.type]
    if (name === undefined) return null
    const settings = tool[tool.type] ?? tool[name]
    return { [name]: isJsonObject(settings) ? copyJson(settings) : {} }
  }
  if (tool.type !== undefined) return null
  // Gemini's own spelling; one entry may name several (`{"googleSearch": {}, "urlContext": {}}`)
  let out: Json | null = null
  for (const k of Object.keys(tool)) {
    const name = BUILTIN[k]
    if (name !== undefined) (out ??= {})[name] = isJsonObject(tool[k]) ? copyJson(tool[k] as Json) : {}
  }
  return out
}

/** Gemini's own tool entries that are built-in tools, as they are (a native client's `tools`). */
export function nativeBuiltinTools(tools: unknown): Json[] {
  const out: Json[] = []
  const list = Array.isArray(tools) ? tools : isJsonObject(tools) ? [tools] : []
  for (const t of list) {
    const b = builtinTool(t)
    if (b !== null) out.push(b)
  }
  return out
}
