// Kong's `$(source.key)` templates in model.name and every string under model.options
// (kong/llm/drivers/shared.lua conf_from_request / merge_model_options). Compiled once per plugin
// config: a config without templates resolves to itself at no cost per request; one with
// templates copies only the records on the way to a templated string. Kong's error texts, raised
// at request time as 400s (an unparsable expression is only an error once a request uses it).
import { llmError } from '../errors.ts'
import type { ModelConf, ModelOptions } from '../types.ts'

/** Where template values come from (kong.request for the current request). */
export interface TemplateSource {
  header(name: string): string | undefined
  uriCapture(name: string): string | undefined
  queryParam(name: string): string | undefined
}

type Part = string | { source: 'headers' | 'uri_captures' | 'query_params'; key: string } | { error: string }

/** A string with templates, as parts; null when the string has none. */
export function compileTemplate(value: string): Part[] | null {
  if (!value.includes('$(')) return null
  const parts: Part[] = []
  const re = /\$\(([^)]*)\)/g
  let last = 0
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    if (m.index > last) parts.push(value.slice(last, m.index))
    last = m.index + m[0].length
    const expr = m[1]!.split('.')
    if (expr.length !== 2) { parts.push({ error: `cannot parse expression for field '${value}'` }); continue }
    const [source, key] = expr as [string, string]
    if (source === 'headers' || source === 'uri_captures' || source === 'query_params') parts.push({ source, key })
    else parts.push({ error: `source '${source}' is not supported` })
  }
  if (parts.length === 0) return null
  if (last < value.length) parts.push(value.slice(last))
  return parts
}

function lookup(src: TemplateSource, source: 'headers' | 'uri_captures' | 'query_params', key: string): string | undefined {
  switch (source) {
    case 'headers': return src.header(key)
    case 'uri_captures': return src.uriCapture(key)
    default: return src.queryParam(key)
  }
}

export function renderTemplate(parts: readonly Part[], src: TemplateSource): string {
  let out = ''
  for (const p of parts) {
    if (typeof p === 'string') { out += p; continue }
    if ('error' in p) throw llmError(400, p.error)
    const v = lookup(src, p.source, p.key)
    if (v === undefined) throw llmError(400, `${p.source} key ${p.key} was not provided`)
    out += v
  }
  return out
}

interface OptionTemplate {
  /** keys from model.options down to the templated string */
  path: readonly string[]
  parts: Part[]
}

/** Resolves one model config per request; `null` from compileModel means nothing to resolve. */
export type ModelResolver = (src: TemplateSource) => ModelConf

function collect(obj: Record<string, unknown>, path: string[], out: OptionTemplate[]): void {
  for (const k of Object.keys(obj)) {
    const v = obj[k]
    if (typeof v === 'string') {
      const parts = compileTemplate(v)
      if (parts) out.push({ path: [...path, k], parts })
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) collect(v as Record<string, unknown>, [...path, k], out)
  }
}

/** The resolver for a model config, or null when it holds no templates (use it as is). */
export function compileModel(model: ModelConf): ModelResolver | null {
  const nameParts = model.name ? compileTemplate(model.name) : null
  const options: OptionTemplate[] = []
  collect(model.options as Record<string, unknown>, [], options)
  if (!nameParts && options.length === 0) return null
  return (src) => {
    const name = nameParts ? renderTemplate(nameParts, src) : model.name
    let opts = model.options
    if (options.length > 0) {
      // copy-on-write along each templated path; the long-lived config is never touched
      const root: Record<string, unknown> = { ...opts }
      for (const t of options) {
        let node = root
        for (let i = 0; i < t.path.length - 1; i++) {
          const k = t.path[i]!
          node = node[k] = { ...(node[k] as Record<string, unknown>) }
        }
        node[t.path[t.path.length - 1]!] = renderTemplate(t.parts, src)
      }
      opts = root as ModelOptions
    }
    return { provider: model.provider, name, options: opts }
  }
}
