// A PluginSchemaSource standing in for the plugin registry: a few plugins with hand-written
// checks, enough to see defaults applied and errors nested under `config`, and key-auth's
// entity (keyauth_credentials), declared by the plugin itself.

import { entityDefOf } from '../../../core/config/plugin-entity.ts'
import type { FieldErrors, PluginSchemaSource } from '../../../core/config/types.ts'
import { keyauthCredentials } from '../../../plugins/key-auth/entities.ts'

type Check = (config: Record<string, unknown>) => { ok: true; value: Record<string, unknown> } | { ok: false; errors: FieldErrors }

const CHECKS: Record<string, Check> = {
  'key-auth': (c) => ({ ok: true, value: { key_names: ['apikey'], hide_credentials: false, ...c } }),
  'rate-limiting': (c) =>
    c.minute !== undefined && !Number.isInteger(c.minute)
      ? { ok: false, errors: { minute: 'expected a number' } }
      : { ok: true, value: { policy: 'local', ...c } },
  'http-log': (c) =>
    typeof c.http_endpoint === 'string'
      ? { ok: true, value: { method: 'POST', ...c } }
      : { ok: false, errors: { http_endpoint: 'required field missing' } },
  acl: (c) =>
    c.allow !== undefined && c.deny !== undefined
      ? { ok: false, errors: { '@entity': ["exactly one of these fields must be non-empty: 'config.allow', 'config.deny'"] } }
      : { ok: true, value: c },
  'ai-proxy': (c) => {
    const auth = c.auth as Record<string, unknown> | undefined
    if (auth !== undefined && typeof auth.header_value !== 'string') return { ok: false, errors: { auth: { header_value: 'expected a string' } } }
    return { ok: true, value: { route_type: 'llm/v1/chat', ...c } }
  },
}

export const fakePlugins: PluginSchemaSource = {
  entities: [entityDefOf(keyauthCredentials)],
  has: (name) => name in CHECKS,
  check: (name, config) => {
    if (config === null || typeof config !== 'object' || Array.isArray(config)) return { ok: false, errors: 'expected a record' }
    return CHECKS[name](config as Record<string, unknown>)
  },
}
