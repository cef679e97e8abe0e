// Typed registries of the AI library's sub-plugins: provider drivers, client formats (llm_format)
// and auth strategies. A third party adds one the way it adds a plugin: import this module and
// register, before the gateway loads its config. Registration is by id; the last one wins, so a
// replacement driver can shadow a bundled one.
import type { TSchema } from 'typebox'
import type { AuthConf, AuthStrategy, ClientFormat, LlmFormat, ModelConf, ProviderDriver, ProviderId } from './types.ts'
import { headerAuth } from './auth/header.ts'
import { CommonOptionsFields } from './common-options.ts'
import { llmErrors } from './errors.ts'

/** Fields under `model.options`, by name. */
export type OptionFields = Readonly<Record<string, TSchema>>

/** A provider: its driver plus the option fields it adds to `model.options`. */
export interface ProviderRegistration extends ProviderDriver {
  /**
   * This provider's own fields under `model.options` (TypeBox schemas). The AI plugins' options
   * record is composed from every registered provider's fields when the plugin registry compiles,
   * so they validate (types, defaults, "unknown field") like the bundled ones. A field another
   * provider declares too must be the very same schema object (see common-options.ts).
   */
  readonly options?: OptionFields
}

const providers = new Map<string, ProviderRegistration>()
const formats = new Map<string, ClientFormat>()
const strategies: AuthStrategy[] = []
let revision = 0

const FIELD_NAME = /^[a-z][a-z0-9_]*$/

/** Throws GW_ERR_LLM_PROVIDER when `p`'s option fields cannot join the options record. */
function checkOptionFields(p: ProviderRegistration): void {
  for (const [name, schema] of Object.entries(p.options ?? {})) {
    if (!FIELD_NAME.test(name) || name in Object.prototype) throw llmErrors.providerInvalid(p.id, `its option field ${JSON.stringify(name)} is not a valid name (lowercase, digits, '_')`)
    if (schema === null || typeof schema !== 'object') throw llmErrors.providerInvalid(p.id, `its option field '${name}' is not a TypeBox schema`)
    if (Object.hasOwn(CommonOptionsFields, name)) throw llmErrors.providerInvalid(p.id, `its option field '${name}' is one every provider shares`)
    for (const other of providers.values()) {
      if (other.id === p.id) continue // a replacement redeclares its own fields
      const theirs = other.options !== undefined && Object.hasOwn(other.options, name) ? other.options[name] : undefined
      if (theirs !== undefined && theirs !== schema) throw llmErrors.providerInvalid(p.id, `its option field '${name}' is already declared by provider '${other.id}'`)
    }
  }
}

export function registerProvider(provider: ProviderRegistration): void {
  checkOptionFields(provider)
  providers.set(provider.id, provider)
  revision++
}

/** Changes whenever a provider is registered: schemas composed from the registry are rebuilt. */
export function providersRevision(): number {
  return revision
}

/**
 * Every registered provider's option fields, each once, in the order providers were first
 * registered (the order config errors list them in).
 */
export function providerOptionFields(): Record<string, TSchema> {
  const out: Record<string, TSchema> = {}
  for (const p of providers.values()) {
    for (const [name, schema] of Object.entries(p.options ?? {})) if (!Object.hasOwn(out, name)) out[name] = schema
  }
  return out
}

/** The driver for a provider id, or undefined when none is registered. */
export function getProvider(id: ProviderId): ProviderDriver | undefined {
  return providers.get(id)
}

export function providerIds(): string[] {
  return [...providers.keys()]
}

/** The providers that can serve semantic routing's embeddings. */
export function embeddingsProviderIds(): string[] {
  return [...providers.values()].filter((p) => p.embeddings !== undefined).map((p) => p.id)
}

export function registerClientFormat(format: ClientFormat): void {
  formats.set(format.id, format)
}

export function getClientFormat(id: LlmFormat): ClientFormat | undefined {
  return formats.get(id)
}

/**
 * Strategies are tried in registration order, so register the most specific first (Azure managed
 * identity before anything that would also accept an Azure config). The header/query/body
 * parameter strategy is not in this list: it is the fallback when nothing else matches.
 */
export function registerAuthStrategy(strategy: AuthStrategy): void {
  const at = strategies.findIndex((s) => s.id === strategy.id)
  if (at >= 0) strategies[at] = strategy
  else strategies.push(strategy)
}

/** The strategy serving this config: the first registered one that matches, else header/param. */
export function authStrategyFor(auth: AuthConf, model: ModelConf): AuthStrategy {
  for (const s of strategies) if (s.matches(auth, model)) return s
  return headerAuth
}
