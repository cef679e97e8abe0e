// request-transformer's steps (kong/plugins/request-transformer/access.lua), in Kong's order:
// uri, method, headers, body, querystring; within each: remove, rename, replace, add, append.
import type { Kong } from '../../pdk/index.ts'
import type { RequestTransformerConf } from './schema.ts'
import { parseEntries, type TemplateEnv } from './template.ts'
import { parseQuery, encodeQuery } from '../../pdk/private/query.ts'
import { copyJson, isJsonObject, isUnsafeKey } from '../../core/safe-merge.ts'

type Value = string | boolean | (string | boolean)[] | unknown

function appendValue(current: Value, value: string): Value {
  if (current === undefined || current === null) return [value]
  return Array.isArray(current) ? [...current, value] : [current, value]
}

/** One list of transforms over a name → value table; Kong's shared logic for headers/query/body. */
function apply(table: Record<string, Value>, conf: RequestTransformerConf, key: 'headers' | 'querystring' | 'body', env: TemplateEnv, lower: boolean, removed?: Set<string>): boolean {
  let changed = false
  const n = (s: string) => (lower ? s.toLowerCase() : s)
  for (const [name] of parseEntries(conf.remove[key])) {
    if (table[n(name)] !== undefined) { delete table[n(name)]; removed?.add(n(name)); changed = true }
  }
  for (const [from, to] of parseEntries(conf.rename[key])) {
    const v = table[n(from)]
    if (v === undefined || !to) continue
    // the new name may come from a template (client data): never a prototype key
    const target = n(env.render(to))
    if (isUnsafeKey(target)) continue
    delete table[n(from)]
    removed?.add(n(from))
    table[target] = v
    changed = true
  }
  for (const [name, value] of parseEntries(conf.replace[key])) {
    if (table[n(name)] !== undefined || (key === 'headers' && n(name) === 'host')) { table[n(name)] = value ? env.render(value) : ''; changed = true }
  }
  for (const [name, value] of parseEntries(conf.add[key])) {
    if (table[n(name)] === undefined && !(key === 'headers' && n(name) === 'host')) { table[n(name)] = value ? env.render(value) : ''; changed = true }
  }
  for (const [name, value] of parseEntries(conf.append[key])) {
    if (key === 'headers' && n(name) === 'host') continue
    table[n(name)] = appendValue(table[n(name)], value ? env.render(value) : '')
    changed = true
  }
  return changed
}

export function transformUri(kong: Kong, conf: RequestTransformerConf, env: TemplateEnv): void {
  if (conf.replace.uri === undefined) return
  const [entry] = parseEntries([`uri:${conf.replace.uri}`])
  const path = entry![1] ? env.render(entry![1]) : ''
  if (path) kong.service.request.setPath(path.startsWith('/') ? path : `/${path}`)
}

function contentKind(kong: Kong): 'json' | 'form' | 'multipart' | null {
  const ct = (kong.request.getHeader('content-type') ?? '').toLowerCase()
  return ct.includes('application/json') ? 'json' : ct.includes('application/x-www-form-urlencoded') ? 'form' : ct.includes('multipart/form-data') ? 'multipart' : null
}

export function transformMethod(kong: Kong, conf: RequestTransformerConf): void {
  if (!conf.http_method) return
  kong.service.request.setMethod(conf.http_method)
  if (!['GET', 'HEAD', 'TRACE'].includes(conf.http_method) || contentKind(kong) !== 'form') return
  // a form body moves to the query string, as Kong does for body-less methods
  const params = parseQuery(kong.request.getRawBody()?.toString('latin1') ?? '', 1000)
  if (!Object.keys(params).length) return
  const query: Record<string, Value> = kong.service.request.getQuery(1000)
  for (const [k, v] of Object.entries(params)) if (!isUnsafeKey(k)) query[k] = query[k] === undefined ? v : ([] as unknown[]).concat(query[k], v)
  kong.service.request.setQuery(query)
}

export function transformHeaders(kong: Kong, conf: RequestTransformerConf, env: TemplateEnv): void {
  const before = kong.request.getHeaders()
  const headers: Record<string, Value> = copyJson(before)
  const removed = new Set<string>()
  if (!apply(headers, conf, 'headers', env, true, removed)) return
  for (const name of removed) if (headers[name] === undefined) kong.service.request.clearHeader(name)
  for (const name of Object.keys(headers)) {
    const v = headers[name]
    if (v !== before[name]) kong.service.request.setHeader(name, Array.isArray(v) ? v.map(String) : String(v))
  }
}

export function transformQuery(kong: Kong, conf: RequestTransformerConf, env: TemplateEnv): void {
  const query: Record<string, Value> = kong.service.request.getQuery(1000)
  if (apply(query, conf, 'querystring', env, false)) kong.service.request.setQuery(query)
}

export function transformBody(kong: Kong, conf: RequestTransformerConf, env: TemplateEnv): void {
  const kind = contentKind(kong)
  if (kind === null || kind === 'multipart') return // multipart bodies are passed through unchanged
  const raw = kong.request.getRawBody()
  if (raw === undefined) return kong.log.warn('request body too large to be transformed')
  const hasBody = raw.length > 0
  let params: Record<string, Value>
  if (kind === 'json') {
    if (!hasBody) params = {}
    else {
      let parsed: unknown
      try { parsed = JSON.parse(raw.toString('utf8')) } catch { return }
      if (!isJsonObject(parsed)) return
      // the client's body is the table the transforms write into: a copy without a prototype
      params = copyJson(parsed)
    }
  } else params = parseQuery(raw.toString('latin1'), 1000)
  // remove/rename/replace only touch an existing body; add/append also create one
  const onlyAdd = hasBody ? conf : { ...conf, remove: { ...conf.remove, body: [] }, rename: { ...conf.rename, body: [] }, replace: { ...conf.replace, body: [] } }
  if (!apply(params, onlyAdd, 'body', env, false)) return
  kong.service.request.setRawBody(kind === 'json' ? JSON.stringify(params) : encodeQuery(params))
}

/** True when the config transforms this part at all (skips the work per request otherwise). */
export function touches(conf: RequestTransformerConf, key: 'headers' | 'querystring' | 'body'): boolean {
  return conf.remove[key].length + conf.rename[key].length + conf.replace[key].length + conf.add[key].length + conf.append[key].length > 0
}
