// Typed registries of the AI library's sub-plugins: provider drivers, client formats (llm_format)
// and auth strategies. A third party adds one the way it adds a plugin: import this module and
// register, before the gateway loads its config. Registration is by id; the last one wins, so a
// replacement driver can shadow a bundled one.
import type { AuthConf, AuthStrategy, ClientFormat, LlmFormat, ModelConf, ProviderDriver, ProviderId } from './types.ts'
import { headerAuth } from './auth/header.ts'

const providers = new Map<string, ProviderDriver>()
const formats = new Map<string, ClientFormat>()
const strategies: AuthStrategy[] = []

export function registerProvider(driver: ProviderDriver): void {
  providers.set(driver.id, driver)
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
