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

/**
 * Where a value lands, which decides what it may be. A templated value is the client's: it must
 * stay inside its position (a host label cannot become another host, a path segment cannot
 * climb out of its path, a query value cannot add parameters), and never carry control
 * characters into a header or a request line.
 * - host: DNS host characters only (letters, digits, `-`, dot-separated labels of 1-63)
 * - segment: one path segment, percent-encoded here; `.` and `..` refused
 * - name: one segment the driver percent-encodes itself (or a JSON body value); `.` and `..` refused
 * - query: one query value, percent-encoded here
 * - url: a whole http(s) URL, without credentials or fragment
 * - text: anything without control characters (header values, ARNs, versions)
 */
export type Position = 'host' | 'segment' | 'name' | 'query' | 'url' | 'text'

/** Longest value taken from a request (a host has DNS's own limit, 253). */
export const MAX_TEMPLATE_VALUE = 1024

type Placeholder = { source: 'headers' | 'uri_captures' | 'query_params'; key: string; position: Position }
type Part = string | Placeholder | { error: string }

/** Where each templated model option goes, by its path under model.options (the rest: text). */
const OPTION_POSITIONS: Readonly<Record<string, Position>> = {
  azure_instance: 'host', // `<instance>.openai.azure.com`
  'bedrock.aws_region': 'host', // `bedrock-runtime.<region>.amazonaws.com`
  'databricks.workspace_instance_id': 'host', // `<id>.cloud.databricks.com`
  'gemini.api_endpoint': 'host',
  azure_deployment_id: 'segment', // `/openai/deployments/<id>/...`, not escaped by the driver
  upstream_path: 'segment',
  'gemini.project_id': 'name', // the Vertex driver escapes these
  'gemini.location_id': 'name',
  'gemini.endpoint_id': 'name',
  azure_api_version: 'text', // the Azure driver escapes it into the query
}

/** The position of a placeholder inside a templated upstream_url, from the literal text before it. */
function urlPosition(before: string): Position {
  if (before === '') return 'url'
  if (/[?#]/.test(before)) return 'query'
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/]*\//i.test(before)) return 'segment'
  return 'host' // the authority, or the scheme itself: host characters cover both
}

/** A string with templates, as parts; null when the string has none. `position` says where its values land. */
export function compileTemplate(value: string, position: Position | 'upstream_url' = 'text'): Part[] | null {
  if (!value.includes('$(')) return null
  const parts: Part[] = []
  const re = /\$\(([^)]*)\)/g
  let last = 0
  let literal = ''
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    if (m.index > last) { parts.push(value.slice(last, m.index)); literal += value.slice(last, m.index) }
    last = m.index + m[0].length
    const expr = m[1]!.split('.')
    if (expr.length !== 2) { parts.push({ error: `cannot parse expression for field '${value}'` }); continue }
    const [source, key] = expr as [string, string]
    if (source === 'headers' || source === 'uri_captures' || source === 'query_params') {
      parts.push({ source, key, position: position === 'upstream_url' ? urlPosition(literal) : position })
    } else parts.push({ error: `source '${source}' is not supported` })
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

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const HOST = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(?:\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$/

function validUrl(v: string): boolean {
  let u: URL
  try { u = new URL(v) } catch { return false }
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === '' && !v.includes('#') && (HOST.test(u.hostname) || /^\[[0-9a-f:.]+\]$/i.test(u.hostname))
}

/** The value as it goes into its position, or null when it cannot go there. */
export function placeValue(v: string, position: Position): string | null {
  if (position === 'host') return v.length <= 253 && HOST.test(v) ? v : null
  if (v.length > MAX_TEMPLATE_VALUE || CONTROL.test(v)) return null
  switch (position) {
    case 'segment': return v === '' || v === '.' || v === '..' ? null : encodeURIComponent(v)
    case 'name': return v === '' || v === '.' || v === '..' ? null : v
    case 'query': return encodeURIComponent(v)
    case 'url': return validUrl(v) ? v : null
    default: return v
  }
}

export function renderTemplate(parts: readonly Part[], src: TemplateSource, field = 'value'): string {
  let out = ''
  for (const p of parts) {
    if (typeof p === 'string') { out += p; continue }
    if ('error' in p) throw llmError(400, p.error)
    const v = lookup(src, p.source, p.key)
    if (v === undefined) throw llmError(400, `${p.source} key ${p.key} was not provided`)
    const placed = placeValue(v, p.position)
    // the value itself is not echoed: it is the client's and may be anything
    if (placed === null) throw llmError(400, `${p.source} key ${p.key} is not a valid value for ${field}`)
    out += placed
  }
  return out
}

interface OptionTemplate {
  /** keys from model.options down to the templated string */
  path: readonly string[]
  parts: Part[]
  /** `model.options.<path>`, for error messages */
  field: string
}

/** Resolves one model config per request; `null` from compileModel means nothing to resolve. */
export type ModelResolver = (src: TemplateSource) => ModelConf

function collect(obj: Record<string, unknown>, path: string[], out: OptionTemplate[]): void {
  for (const k of Object.keys(obj)) {
    const v = obj[k]
    if (typeof v === 'string') {
      const at = [...path, k].join('.')
      const parts = compileTemplate(v, at === 'upstream_url' ? 'upstream_url' : OPTION_POSITIONS[at] ?? 'text')
      if (parts) out.push({ path: [...path, k], parts, field: `model.options.${at}` })
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) collect(v as Record<string, unknown>, [...path, k], out)
  }
}

/** The resolver for a model config, or null when it holds no templates (use it as is). */
export function compileModel(model: ModelConf): ModelResolver | null {
  const nameParts = model.name ? compileTemplate(model.name, 'name') : null
  const options: OptionTemplate[] = []
  collect(model.options as Record<string, unknown>, [], options)
  if (!nameParts && options.length === 0) return null
  return (src) => {
    const name = nameParts ? renderTemplate(nameParts, src, 'model.name') : model.name
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
        const v = renderTemplate(t.parts, src, t.field)
        // each value fits its place; the URL they make together must still be one
        if (t.field === 'model.options.upstream_url' && !validUrl(v)) throw llmError(400, `${t.field} is not a valid URL once templated`)
        node[t.path[t.path.length - 1]!] = v
      }
      opts = root as ModelOptions
    }
    return { provider: model.provider, name, options: opts }
  }
}
