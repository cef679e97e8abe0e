// Runs kong-js-pdk plugins in-process, unmodified (github.com/Kong/kong-js-pdk). Such a module
// exports `{ Plugin, Schema, Version, Priority, Name? }`; `Plugin` is a class constructed with
// its config whose `async access(kong)` etc. await PDK calls. Our PDK returns plain values, so
// those awaits resolve at once, with no socket or msgpack round trip in between.
//
// Differences from Kong's plugin server, chosen on purpose:
// - one Plugin instance per plugin config, created on first use and kept for the config's life
//   (Kong's server expires idle instances after 60 s and recreates them);
// - an exception in a phase fails that request with Kong's 500, as for any other plugin, instead
//   of being logged and ignored;
// - `certificate` and `preread` are accepted but never run: Tollgate has no TLS handshake hook
//   and no stream subsystem.
import { basename, dirname, extname } from 'node:path'
import { contextOf, type Kong } from '../../pdk/index.ts'
import { PdkRequest } from '../../pdk/request.ts'
import { PdkServiceResponse } from '../../pdk/service.ts'
import type { RequestContext } from '../runloop/context.ts'
import { errors } from '../errors.ts'
import type { AnyPlugin, PluginHandlers } from './contract.ts'
import { kongFieldsToTypeBox, type KongField } from './kong-schema.ts'

/** The phases kong-js-pdk dispatches (its `phases` list). */
export const JS_PDK_PHASES = ['certificate', 'rewrite', 'access', 'response', 'preread', 'log'] as const
const RUNNABLE = ['rewrite', 'access', 'response', 'log'] as const

interface JsPluginModule {
  Plugin: new (config: unknown) => Record<string, unknown>
  Schema?: KongField[]
  Version?: unknown
  Priority?: unknown
  Name?: unknown
}

/** True for a module of kong-js-pdk's shape (a `Plugin` class), as opposed to a definePlugin object. */
export function isKongJsPdkModule(mod: unknown): mod is JsPluginModule {
  return typeof mod === 'object' && mod !== null && typeof (mod as { Plugin?: unknown }).Plugin === 'function'
}

/** kong-js-pdk names a plugin by `Name`, else by its file (or directory, for index files), lowercased. */
export function pluginNameFromPath(origin: string): string {
  let base = basename(origin, extname(origin))
  if (base === 'index') base = basename(dirname(origin))
  return base.toLowerCase()
}

/**
 * `kong.request` and `kong.service.response` as kong-js-pdk returns them: only the first of
 * Kong's return values crosses its RPC, so `getBody()` gives the body, not `[body, err, mime]`.
 * Built on the request's own objects (prototype chain), so every other method is the real one.
 */
function firstValueRequest(r: PdkRequest): PdkRequest {
  return Object.create(r, { getBody: { value: (mime?: string) => PdkRequest.prototype.getBody.call(r, mime)[0] } }) as PdkRequest
}
function firstValueServiceResponse(r: PdkServiceResponse): PdkServiceResponse {
  return Object.create(r, { getBody: { value: (mime?: string) => PdkServiceResponse.prototype.getBody.call(r, mime)[0] } }) as PdkServiceResponse
}

/** A few nginx variables kong-js-pdk plugins read through `kong.nginx.getVar`. */
function nginxVar(c: RequestContext, name: string): string | undefined {
  switch (name) {
    case 'request_method': return c.method
    case 'uri': return c.path
    case 'request_uri': return c.rawQuery ? `${c.path}?${c.rawQuery}` : c.path
    case 'args': case 'query_string': return c.rawQuery || undefined
    case 'host': return c.host
    case 'scheme': return c.scheme
    case 'server_port': return String(c.serverPort)
    case 'remote_addr': case 'realip_remote_addr': case 'binary_remote_addr': return c.clientIp
    case 'request_id': case 'kong_request_id': return c.requestId
    case 'upstream_uri': return c.upstream ? (c.upstream.query ? `${c.upstream.path}?${c.upstream.query}` : c.upstream.path) : undefined
    case 'status': return c.status ? String(c.status) : undefined
  }
  if (name.startsWith('http_')) return c.headers[name.slice(5).replace(/_/g, '-')]
  if (name.startsWith('arg_')) {
    const v = new URLSearchParams(c.rawQuery).get(name.slice(4))
    return v ?? undefined
  }
  return undefined
}

/** The `kong` object a kong-js-pdk plugin receives: ours, plus its extras. One per request. */
export class JsPdk {
  private _request?: PdkRequest
  private _service?: Kong['service']
  private _nginxCtx?: Record<string, unknown>
  readonly ctx: { shared: { get(k: string): unknown; set(k: string, v: unknown): void } }
  readonly nginx: { getVar(n: string): string | undefined; getCtx(k: string): unknown; setCtx(k: string, v: unknown): void; getSubsystem(): string }

  constructor(private readonly k: Kong) {
    const c = contextOf(k)
    this.ctx = {
      shared: {
        get: (key) => k.ctx.shared[key],
        set: (key, value) => { k.ctx.shared[key] = value },
      },
    }
    this.nginx = {
      getVar: (n) => nginxVar(c, n),
      getCtx: (key) => this._nginxCtx?.[key],
      setCtx: (key, value) => { (this._nginxCtx ??= {})[key] = value },
      getSubsystem: () => 'http',
    }
  }

  get request(): PdkRequest { return (this._request ??= firstValueRequest(this.k.request)) }
  get response(): Kong['response'] { return this.k.response }
  get service(): Kong['service'] {
    return (this._service ??= Object.create(this.k.service, { response: { value: firstValueServiceResponse(this.k.service.response) } }) as Kong['service'])
  }
  get client(): Kong['client'] { return this.k.client }
  get log(): Kong['log'] { return this.k.log }
  get router(): Kong['router'] { return this.k.router }
  get plugin(): Kong['plugin'] { return this.k.plugin }
  get node(): Kong['node'] { return this.k.node }
  get cache(): Kong['cache'] { return this.k.cache }
  get db(): Kong['db'] { return this.k.db }
}

const jsPdks = new WeakMap<Kong, JsPdk>()
function jsPdkFor(kong: Kong): JsPdk {
  let j = jsPdks.get(kong)
  if (!j) jsPdks.set(kong, (j = new JsPdk(kong)))
  return j
}

/**
 * Adapts a kong-js-pdk module to a plugin definition; returns null for any other shape. The
 * result still goes through checkPlugin (priority, version, schema).
 */
export function adaptKongJsPdk(mod: unknown, origin: string): AnyPlugin | null {
  if (!isKongJsPdkModule(mod)) return null
  const name = typeof mod.Name === 'string' && mod.Name !== '' ? mod.Name : pluginNameFromPath(origin)
  const proto = mod.Plugin.prototype as Record<string, unknown>
  for (const key of Object.getOwnPropertyNames(proto)) {
    if (key === 'constructor' || typeof proto[key] !== 'function') continue
    if (!(JS_PDK_PHASES as readonly string[]).includes(key))
      throw errors.pluginInvalid(name, `it has an unknown phase method '${key}' (kong-js-pdk supports: ${JS_PDK_PHASES.join(', ')})`)
  }
  const schema = kongFieldsToTypeBox(mod.Schema ?? [], name)
  // one instance per plugin config, as kong-js-pdk's StartInstance; configs are immutable
  // snapshot objects, so they key the instances and both go away together
  const instances = new WeakMap<object, Record<string, unknown>>()
  const instanceFor = (conf: unknown): Record<string, unknown> => {
    const key = conf as object
    let inst = instances.get(key)
    if (!inst) instances.set(key, (inst = new mod.Plugin(structuredClone(conf))))
    return inst
  }
  const handlers: PluginHandlers<unknown> = {}
  for (const phase of RUNNABLE) {
    if (typeof proto[phase] !== 'function') continue
    handlers[phase] = (kong: Kong, conf: unknown) => {
      const inst = instanceFor(conf) as Record<typeof phase, (k: JsPdk) => void | Promise<void>>
      return inst[phase](jsPdkFor(kong))
    }
  }
  return {
    name,
    version: typeof mod.Version === 'string' ? mod.Version : String(mod.Version ?? ''),
    priority: mod.Priority === undefined ? 0 : (mod.Priority as number),
    schema,
    ...handlers,
  }
}
