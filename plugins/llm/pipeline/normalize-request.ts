// Stage REQ_TRANSFORMATION (Kong's normalize-request filter), in Kong's order: resolve templates,
// check the prompt, the model and the request format, apply the streaming policy, merge options,
// let the driver convert the body, pick the target, add credentials. Reads the parsed request and
// never writes it: the result is a new PreparedRequest, so ai-proxy-advanced runs it again for
// another target on failover and gets a fresh one.
//
// The body is re-encoded only when something changed: a passthrough provider receiving the
// configured model and no defaults to add gets the client's bytes as they came.
import type { Kong } from '../../../pdk/index.ts'
import { isGatewayError } from '../../../core/errors.ts'
import type { AuthHandler, DriverContext, LlmRequest, ModelConf, OpenAiApiRoute, OutboundRequest, RouteType, UpstreamTarget } from '../types.ts'
import { llmError, statusOf, llmErrors } from '../errors.ts'
import type { CompiledConf } from './compile.ts'
import type { LlmExchange, ParsedRequest, PreparedRequest } from './state.ts'
import type { TemplateSource } from './template.ts'
import { hostHeader, parseUpstreamUrl } from './target.ts'
import { estimatePromptTokens } from './estimate.ts'
import { withOptionDefaults } from './option-defaults.ts'
import { OPENAI_API_ROUTES, isOpenAiApiRoute, resourceSuffix } from '../openai-api-routes.ts'
import { escapeUpstreamPath } from '../../../core/router/upstream-path.ts'
import { RealtimeReader } from '../realtime/realtime-reader.ts'
import { GeminiLiveReader } from '../realtime/gemini-live-reader.ts'

function templateSource(kong: Kong): TemplateSource {
  return {
    header: (name) => kong.request.getHeader(name),
    uriCapture: (name) => kong.request.getUriCaptures().named[name],
    queryParam: (name) => {
      const v = kong.request.getQueryArg(name)
      return typeof v === 'string' ? v : undefined
    },
  }
}

function hasPrompt(req: LlmRequest | null, route: RouteType): boolean {
  if (req === null) return false
  if (Array.isArray(req.messages) && req.messages.length > 0) return true
  if (typeof req.prompt === 'string' || (Array.isArray(req.prompt) && req.prompt.length > 0)) return true
  return route === 'llm/v1/embeddings' && req.input !== undefined && req.input !== null
}

/** Kong's is_compatible: which of chat/completions the body is, against the route type. */
function checkFormat(req: LlmRequest, route: RouteType): void {
  if (route !== 'llm/v1/chat' && route !== 'llm/v1/completions') return
  const chat = Array.isArray(req.messages)
  const completion = req.prompt !== undefined && req.prompt !== null
  if (chat && completion) throw llmError(400, 'request matches multiple LLM request formats')
  const format = chat ? 'llm/v1/chat' : completion ? 'llm/v1/completions' : null
  if (format === null) throw llmError(400, 'request format not recognised')
  if (format !== route) throw llmError(400, `[${format}] message format is not compatible with [${route}] route type`)
}

/** The model for this request: templates resolved, then the request's model checked against it. */
function resolveModel(kong: Kong, parsed: ParsedRequest, c: CompiledConf): ModelConf {
  const model = c.resolve ? c.resolve(templateSource(kong)) : c.model
  const asked = parsed.requestModel
  if (model.name) {
    if (asked !== null && asked !== model.name && asked !== c.conf.model.model_alias) {
      throw llmError(400, `cannot use own model - must be: ${model.name}`)
    }
    return model
  }
  if (asked !== null) return { provider: model.provider, name: asked, options: model.options }
  // preserve and the OpenAI API routes (files, batches, realtime: a Gemini Live session names its
  // model in its first message, after the upgrade) have no model to require
  if (c.conf.route_type !== 'preserve' && !isOpenAiApiRoute(c.conf.route_type)) throw llmError(400, 'model parameter not found in request, nor in gateway configuration')
  return model
}

/** The body to send: null = the client's bytes unchanged. */
function encodeBody(parsed: ParsedRequest, c: CompiledConf, model: ModelConf, stream: boolean, dctx: DriverContext): string | null {
  const route = c.conf.route_type
  const req = parsed.request
  if (route === 'preserve' || c.native || req === null) return null
  // the only merge of model.options: drivers read the merged request and never merge again (the
  // OpenAI API routes have no tuning fields: their bodies change only to name the configured model)
  let out = isOpenAiApiRoute(route) ? req : withOptionDefaults(req, model.options)
  // a converted native request has no client bytes to reuse
  let edited = c.format !== null || out !== req
  const edit = (): LlmRequest => {
    if (out === req) out = { ...req }
    edited = true
    return out
  }
  if (model.name !== undefined && req.model !== model.name) edit().model = model.name
  if (stream && req.stream !== true) edit().stream = true
  if (c.format !== null && out === req) out = { ...req } // drivers may be handed a request they must not share with the format
  let encoded: string | null
  try {
    encoded = c.driver.encodeRequest(out, parsed.raw ?? Buffer.alloc(0), dctx)
  } catch (e) {
    if (statusOf(e)) throw e
    throw llmError(400, `error transforming to ${c.driver.id}://${route}`)
  }
  return encoded ?? (edited ? JSON.stringify(out) : null)
}

/**
 * An OpenAI API route (files, batches, ...) under upstream_url: a URL with a path names the
 * resource (the client's path after the resource is kept after it); a bare host keeps the
 * driver's path (e.g. Azure's `/openai/files`).
 */
function apiRoutePath(route: OpenAiApiRoute, urlPath: string, driverPath: string, clientPath: string): string {
  if (urlPath === '/') return driverPath
  return urlPath.replace(/\/$/, '') + resourceSuffix(OPENAI_API_ROUTES.get(route)!, clientPath)
}

/**
 * The driver's built-in target, or model.options.upstream_url for scheme, host, port and path
 * (its query, if it has one, wins over the driver's: Azure still adds api-version otherwise); an
 * upstream_url without a path keeps the driver's path for OpenAI API routes and native operations.
 * `preserve` keeps the client's path; upstream_path (deprecated) overrides the path.
 */
function targetFor(c: CompiledConf, model: ModelConf, dctx: DriverContext): UpstreamTarget {
  const o = model.options
  const t = { ...c.driver.target(dctx) }
  if (o.upstream_url) {
    const url = c.upstreamUrl ?? parseUpstreamUrl(o.upstream_url)
    t.scheme = url.scheme
    t.host = url.host
    t.port = url.port
    const route = c.conf.route_type
    t.path = route === 'preserve' ? dctx.clientPath
      : isOpenAiApiRoute(route) ? apiRoutePath(route, url.path, t.path, dctx.clientPath)
      // a native client's operation (Anthropic's batches, Gemini's countTokens...) keeps its path
      // when upstream_url names only a host
      : c.native && url.path === '/' ? t.path
      : url.path
    if (url.query !== null) t.query = url.query
  }
  if (o.upstream_path) t.path = o.upstream_path.startsWith('/') ? o.upstream_path : `/${o.upstream_path}`
  return t
}

/** Writes the outbound request into kong.service (after auth, which may have run async). */
function commit(kong: Kong, out: OutboundRequest, clientQuery: string, original: string | Buffer | null): void {
  const t = out.target
  kong.service.setTarget(t.host, t.port)
  const sr = kong.service.request
  // only when a driver chose another method: a failover prepares its request after access, when the method is fixed
  if (out.method !== kong.request.getMethod()) sr.setMethod(out.method)
  sr.setScheme(t.scheme)
  sr.setPath(t.path)
  if ((t.query ?? '') !== clientQuery) sr.setRawQuery(t.query ?? '')
  for (const [k, v] of out.headers) sr.setHeader(k, v)
  if (out.body !== null && out.body !== original) sr.setRawBody(out.body)
}

/**
 * A cloud identity's 401/403 from the provider (token revoked or rotated before its expiry): drop
 * the cached credential, apply a fresh one to the same request, and send it once more.
 */
function retryOnDenied(kong: Kong, auth: AuthHandler, out: OutboundRequest, client: Parameters<AuthHandler['apply']>[1]): void {
  kong.service.request.retryOnDenied(() => {
    auth.invalidate!()
    const sr = kong.service.request
    const set = (): void => { for (const [k, v] of out.headers) sr.setHeader(k, v) }
    const r = auth.apply(out, client)
    return r === undefined ? set() : r.then(set)
  })
}

/** The client's header and query values an auth strategy may read (allow_override): one object per request. */
class ClientValues {
  constructor(private readonly kong: Kong) {}
  header(name: string): string | undefined {
    return this.kong.request.getHeader(name)
  }
  query(name: string): string | undefined {
    const v = this.kong.request.getQueryArg(name)
    return typeof v === 'string' ? v : undefined
  }
}

function identityFailed(e: unknown): never {
  if (isGatewayError(e) && statusOf(e)) throw e
  throw llmErrors.identity()
}

/**
 * Builds target `target`'s request with config `c` and writes it into kong.service; the exchange
 * gets the new PreparedRequest once the credentials are applied (a promise only when they must be
 * fetched).
 */
export function normalizeRequest(kong: Kong, x: LlmExchange, c: CompiledConf, target: number): void | Promise<void> {
  const builtAt = performance.now()
  const parsed = x.parsed
  const conf = c.conf
  const route = conf.route_type
  if (!c.driver.routes.has(route)) throw llmError(400, `no transformer for ${c.driver.id}://${route}`)
  // a WebSocket session carries the gateway's credential and is read for usage only on realtime
  // routes: elsewhere (preserve, files, chat) it would be an unmetered tunnel
  if (route !== 'realtime/v1/realtime' && kong.request.getHeader('upgrade')?.toLowerCase() === 'websocket') {
    throw llmError(400, 'WebSocket upgrades are accepted on realtime/v1/realtime routes only')
  }

  const model = resolveModel(kong, parsed, c)
  const req = parsed.request
  const apiRoute = isOpenAiApiRoute(route)
  const promptless = c.native && c.format?.promptless?.(kong.request.getPath(), kong.request.getMethod()) === true
  if (!parsed.multipart && route !== 'preserve' && !apiRoute && !promptless && !hasPrompt(req, route)) throw llmError(400, "request body doesn't contain valid prompts")
  if (c.format === null && !parsed.multipart && req !== null && route !== 'preserve') checkFormat(req, route)

  const policy = conf.response_streaming ?? 'allow'
  if (parsed.requestStream && policy === 'deny') throw llmError(400, 'response streaming is not enabled for this LLM')
  const stream = parsed.requestStream || (policy === 'always' && !c.native && route !== 'preserve' && !apiRoute)

  const clientQuery = kong.request.getRawQuery()
  const dctx: DriverContext = {
    route, model, stream, clientPath: escapeUpstreamPath(kong.request.getPath()), clientQuery, clientMethod: kong.request.getMethod(),
    ...(c.format !== null && { llmFormat: c.format.id }),
  }
  // Kong's prompt estimate, for the logs, a usage chunk the client asked for, or a usage reader (token limits)
  const wantsUsage = c.statistics || x.needsUsage || req?.stream_options?.include_usage === true
  const promptEstimate = stream && wantsUsage && !c.driver.streamUsage && req !== null ? estimatePromptTokens(req, 1.8) : 0

  let body: string | Buffer | null = encodeBody(parsed, c, model, stream, dctx)
  let method = kong.request.getMethod()
  let contentType = body === null ? null : 'application/json'
  if (body === null && c.driver.rewriteCall !== undefined && !c.native && route !== 'preserve') {
    const call = c.driver.rewriteCall(dctx, parsed.raw, kong.request.getHeader('content-type'))
    if (call !== null) ({ body, method, contentType } = call)
  }
  const upstream = targetFor(c, model, dctx)
  const verify = model.options.upstream_tls_verify
  if (verify !== undefined) kong.service.setTlsVerify(verify)
  if (upstream.query === null) upstream.query = clientQuery === '' ? null : clientQuery

  const headers = new Map<string, string>([['host', hostHeader(upstream)]])
  const extra = c.driver.headers?.(dctx)
  if (extra) for (const [k, v] of extra) headers.set(k.toLowerCase(), v)
  if (contentType !== null) headers.set('content-type', contentType)
  // the stages read what arrives: a compressed stream or answer would need inflating first
  if (stream || c.convertsResponse) headers.set('accept-encoding', 'identity')
  if (!stream && c.convertsResponse) kong.service.request.enableBuffering()

  const original = body ?? parsed.raw
  const out: OutboundRequest = { method, target: upstream, headers, body: original }
  const prepared: PreparedRequest = { c, target, model, stream, dctx, promptEstimate, upstream, body: original, builtAt }
  // a realtime session has no HTTP answer for header_filter to pick a handler from: its reader is chosen with the target
  // (Gemini Live's client names its model in-band, in its setup message: the reader vets it)
  if (route === 'realtime/v1/realtime') x.handler = c.driver.id === 'gemini' ? new GeminiLiveReader(model) : new RealtimeReader()
  const client = new ClientValues(kong)
  let applied: void | Promise<void>
  try {
    applied = c.auth.apply(out, client)
  } catch (e) {
    identityFailed(e)
  }
  if (c.auth.invalidate) retryOnDenied(kong, c.auth, out, client)
  const drop = c.auth.dropClientHeaders
  if (drop) for (const name of drop) if (kong.request.getHeader(name) !== undefined) kong.service.request.clearHeader(name)
  if (applied !== undefined && typeof (applied as Promise<void>).then === 'function') {
    return (applied as Promise<void>).then(() => {
      commit(kong, out, clientQuery, body === null ? parsed.raw : null)
      x.prepared = prepared
    }, identityFailed)
  }
  commit(kong, out, clientQuery, body === null ? parsed.raw : null)
  x.prepared = prepared
}
