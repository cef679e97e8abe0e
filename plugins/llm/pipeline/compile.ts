// Everything about a plugin config that does not depend on the request, worked out once and
// cached per config object (configs are frozen for the life of a config snapshot, so a WeakMap
// keyed by the object is exact and lets old snapshots be collected): driver, client format,
// template resolver, static target, the auth handler (Kong's _KEYBASTION), flags.
import type { AuthHandler, ClientFormat, ModelConf, ProviderDriver, UpstreamTarget } from '../types.ts'
import { authStrategyFor, getClientFormat, getProvider } from '../registry.ts'
import { llmError } from '../errors.ts'
import type { LlmConf } from './conf.ts'
import { compileModel, type ModelResolver } from './template.ts'
import { parseUpstreamUrl } from './target.ts'
import { MULTIPART_ROUTES } from '../openai-api-routes.ts'
import { ownConfig } from '../../../core/config/own-config.ts'
import type { ParseSettings } from './shared-request.ts'
import { DEFAULT_MAX_BODY } from './parse-request.ts'

export interface CompiledConf {
  readonly conf: LlmConf
  readonly driver: ProviderDriver
  /** the client format when llm_format is not openai; null for openai (the identity) */
  readonly format: ClientFormat | null
  /** the client speaks the provider's own API: bodies pass both ways unchanged */
  readonly native: boolean
  /** the model config as configured (templates unresolved) */
  readonly model: ModelConf
  /** null when the model config has no templates */
  readonly resolve: ModelResolver | null
  /** upstream_url parsed, when set and template-free */
  readonly upstreamUrl: UpstreamTarget | null
  readonly auth: AuthHandler
  readonly statistics: boolean
  readonly payloads: boolean
  /** the route type takes multipart uploads (MULTIPART_ROUTES): such a body is proxied unparsed */
  readonly multipartRoute: boolean
  /** how this config has the shared request parsed (parse-request.ts), made once */
  readonly parse: ParseSettings
  /** a non-streamed 200 answer needs conversion: buffer it */
  readonly convertsResponse: boolean
  /** `X-Kong-LLM-Model` value when the model name is static, else null */
  readonly modelHeader: string | null
}

const compiled = new WeakMap<object, CompiledConf>()

function compile(conf: LlmConf): CompiledConf {
  const provider = conf.model.provider
  const driver = getProvider(provider)
  if (!driver) throw llmError(500, `no driver registered for provider '${provider}'`)
  const llmFormat = conf.llm_format ?? 'openai'
  let format: ClientFormat | null = null
  if (llmFormat !== 'openai') {
    format = getClientFormat(llmFormat) ?? null
    if (!format) throw llmError(500, `no client format registered for llm_format '${llmFormat}'`)
  }
  const native = format !== null && format.nativeFor(provider)
  // options and auth as own fields only (ownConfig: no prototype to inherit upstream_url or a key
  // from), even for a conf that did not come through the config loader
  const model: ModelConf = { provider, name: conf.model.name ?? undefined, options: ownConfig(conf.model.options ?? {}) }
  const resolve = compileModel(model)
  const url = model.options.upstream_url
  const upstreamUrl = url && !url.includes('$(') ? parseUpstreamUrl(url) : null
  const authConf = ownConfig(conf.auth ?? {})
  const auth = authStrategyFor(authConf, model).create(authConf, model)
  const nameTemplated = model.name?.includes('$(') === true
  const multipartRoute = MULTIPART_ROUTES.has(conf.route_type)
  return {
    conf,
    driver,
    format,
    native,
    model,
    resolve,
    upstreamUrl,
    auth,
    statistics: conf.logging?.log_statistics === true,
    payloads: conf.logging?.log_payloads === true,
    multipartRoute,
    parse: { format, maxBodySize: conf.max_request_body_size ?? DEFAULT_MAX_BODY, multipartRoute },
    convertsResponse: conf.route_type !== 'preserve' && !native && (format !== null || driver.passthroughResponse !== true),
    modelHeader: model.name && !nameTemplated ? `${provider}/${model.name}` : null,
  }
}

/** The compiled form of a config (compiled on first use, then cached). */
export function compiledConf(conf: LlmConf): CompiledConf {
  let c = compiled.get(conf)
  if (!c) compiled.set(conf, (c = compile(conf)))
  return c
}
