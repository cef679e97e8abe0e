// Kong's llm record entity checks (kong/llm/schemas/init.lua), with Kong's messages in Kong's
// order: the auth rules, then the configured provider's own rules (from its registration), then
// the rules over option records any provider may carry, then the provider's route-dependent rules.
import type { FieldErrors } from '../../core/config/types.ts'
import { getProvider } from './registry.ts'
import type { AuthConf, LlmConf } from './schema.ts'

/** What the entity checks read: ai-proxy's config, or one ai-proxy-advanced target with the plugin's llm_format. */
export type CheckedConf = Pick<LlmConf, 'route_type' | 'logging' | 'model'> & { auth: AuthConf; llm_format?: LlmConf['llm_format'] }

export const isSet = (v: unknown): boolean => v !== undefined && v !== null

/** Kong's `all_or_none_of`: the message when some but not all of `fields` are set. */
export function allOrNone(values: object, fields: readonly string[], prefix: string, out: string[]): void {
  const n = fields.filter((f) => isSet(Object.getOwnPropertyDescriptor(values, f)?.value)).length
  if (n !== 0 && n !== fields.length) out.push(`all or none of these fields must be set: ${fields.map((f) => `'${prefix}${f}'`).join(', ')}`)
}

/** Kong's conditional `required` on a model option: "must set 'model.options.X' for <who>". */
export function requireOption(conf: CheckedConf, field: string, who: string, out: string[]): void {
  if (!isSet(Object.getOwnPropertyDescriptor(conf.model.options, field)?.value)) out.push(`must set 'model.options.${field}' for ${who}`)
}

/** The messages of Kong's llm record entity checks (empty when valid). */
export function llmEntityChecks(conf: CheckedConf): string[] {
  const out: string[] = []
  allOrNone(conf.auth, ['header_name', 'header_value'], 'auth.', out)
  allOrNone(conf.auth, ['param_name', 'param_value', 'param_location'], 'auth.', out)
  const provider = getProvider(conf.model.provider)
  provider?.checkOptions?.(conf, out)
  const gemini = conf.model.options.gemini
  if (gemini) allOrNone(gemini, ['api_endpoint', 'project_id', 'location_id'], 'model.options.gemini.', out)
  provider?.checkRoute?.(conf, out)
  return out
}

/**
 * ai-proxy's checks of the native llm_format rules (OSS 3.10 ai-proxy/schema.lua): an entity
 * message plus a field error, as Kong's conditional checks report them.
 */
export function nativeFormatChecks(conf: CheckedConf): { entity: string[]; fields: Record<string, FieldErrors> } {
  const entity: string[] = []
  const fields: Record<string, FieldErrors> = {}
  const f = conf.llm_format
  if (f === 'bedrock' || f === 'gemini') {
    if (conf.route_type !== 'llm/v1/chat') {
      entity.push("native provider options in llm_format can only be used with the 'llm/v1/chat' route_type")
      fields.route_type = 'value must be llm/v1/chat'
    }
    if (conf.model.provider !== f) {
      entity.push(`native llm_format '${f}' can only be used with the '${f}' model.provider`)
      fields.model = { provider: `value must be ${f}` }
    }
  }
  return { entity, fields }
}
