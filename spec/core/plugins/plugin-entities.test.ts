// A third-party plugin that declares its own entity (Kong's daos.lua), as key-auth declares
// keyauth_credentials: the loader walks, validates, ids and checks it with Kong's messages and
// field paths, the export shows it (secret fields redacted), kong.db looks it up, and a bad
// declaration is refused when the plugin is loaded.
import { describe, expect, it } from 'vitest'
import { Type } from 'typebox'
import { loadConfig } from '../../../core/config/load.ts'
import { exportConfig } from '../../../core/config/export.ts'
import { entityId } from '../../../core/config/uuid.ts'
import { definePlugin, defineEntity, foreignKey, type AnyPlugin, type EntityDeclaration } from '../../../core/plugins/contract.ts'
import { PluginRegistry } from '../../../core/plugins/registry.ts'
import { BUNDLED } from '../../../plugins/index.ts'
import { dbFor } from '../../../pdk/db.ts'
import { isGatewayError } from '../../../core/errors.ts'
import { pluginHarness } from '../../../public/testing/plugin-harness.ts'

const tokens = defineEntity({
  name: 'partner_tokens',
  fields: {
    token: Type.String({ minLength: 8 }),
    consumer: foreignKey('consumers'),
    label: Type.Optional(Type.String()),
    secret: Type.Optional(Type.String()),
  },
  unique: ['token', 'label'],
  redact: ['secret'],
})

const partnerAuth = definePlugin({
  name: 'partner-auth',
  version: '1.0.0',
  priority: 1200,
  schema: Type.Object({}),
  entities: [tokens],
  access(kong) {
    const t = kong.request.getHeader('x-partner-token')
    // typed access needs `declare module` (see plugins/key-auth/entities.ts); a test keeps it local
    const dao = Reflect.get(kong.db, 'partner_tokens') as { selectByToken(v: string): { consumer: { id: string } } | null }
    const row = typeof t === 'string' ? dao.selectByToken(t) : null
    if (!row) return kong.response.exit(401, { message: 'Unauthorized' })
    kong.response.setHeader('x-partner', row.consumer.id)
  },
})

const registry = new PluginRegistry([...BUNDLED, partnerAuth] as AnyPlugin[])
const load = (doc: object, plugins = registry) => loadConfig(JSON.stringify({ _format_version: '3.0', ...doc }), { plugins, env: {} })

function refused(doc: object, plugins = registry): { fields: Record<string, unknown>; flattened_errors: { entity_type: string; errors: unknown[] }[] } {
  try {
    load(doc, plugins)
  } catch (e) {
    if (isGatewayError(e)) return e.details as ReturnType<typeof refused>
    throw e
  }
  throw new Error('config was accepted')
}

describe('a plugin-declared entity in the declarative config', () => {
  it.each([
    ['nested under its consumer', { consumers: [{ username: 'acme', partner_tokens: [{ token: 'tok-acme-1', label: 'a' }] }] }],
    ['top level, consumer by username', { consumers: [{ username: 'acme' }], partner_tokens: [{ token: 'tok-acme-1', consumer: 'acme', label: 'a' }] }],
    ['top level, consumer by id', { consumers: [{ id: '5b1d5d37-8a4b-4b53-9bfa-2f0d1ab2a3c1', username: 'acme' }], partner_tokens: [{ token: 'tok-acme-1', consumer: { id: '5b1d5d37-8a4b-4b53-9bfa-2f0d1ab2a3c1' }, label: 'a' }] }],
  ])('loads %s, ids from the endpoint key, and kong.db finds it by every unique field', (_how, doc) => {
    const snap = load(doc)
    const consumer = snap.consumers[0]!
    const row = { id: entityId('partner_tokens', 'tok-acme-1'), token: 'tok-acme-1', consumer: { id: consumer.id }, label: 'a', secret: null, tags: null }
    expect(Reflect.get(snap, 'partner_tokens')).toEqual([row])
    // the normalized entity lists fields in declaration order: id first, tags last
    expect(Object.keys(Reflect.get(snap, 'partner_tokens')[0])).toEqual(['id', 'token', 'consumer', 'label', 'secret', 'tags'])
    const dao = Reflect.get(dbFor(snap), 'partner_tokens') as Record<string, (v: string) => unknown>
    expect(dao.selectByToken!('tok-acme-1')).toEqual(row)
    expect(dao.selectByLabel!('a')).toEqual(row)
    expect(dao.select!(row.id)).toEqual(row)
    expect(dao.selectByToken!('nope')).toBeNull()
    expect(dbFor(snap)).toBe(dbFor(snap)) // one kong.db per snapshot
  })

  it.each<[string, object, Record<string, unknown>]>([
    ['a duplicate unique field', { consumers: [{ username: 'a', partner_tokens: [{ token: 'same-token' }] }, { username: 'b', partner_tokens: [{ token: 'same-token' }] }] },
      { consumers: [null, { partner_tokens: ["uniqueness violation: 'partner_tokens' entity with token set to 'same-token' already declared"] }] }],
    ['a missing consumer at top level', { partner_tokens: [{ token: 'tok-12345' }] }, { partner_tokens: [{ consumer: 'required field missing' }] }],
    ['an unknown consumer', { partner_tokens: [{ token: 'tok-12345', consumer: 'ghost' }] }, { partner_tokens: [{ consumer: "invalid reference 'consumer: ghost' (no such entry in 'consumers')" }] }],
    ['a consumer given under its consumer', { consumers: [{ username: 'a', partner_tokens: [{ token: 'tok-12345', consumer: 'a' }] }] }, { consumers: [{ partner_tokens: [{ consumer: 'value must be null' }] }] }],
    ['an unknown field', { consumers: [{ username: 'a', partner_tokens: [{ token: 'tok-12345', nope: 1 }] }] }, { consumers: [{ partner_tokens: [{ nope: 'unknown field' }] }] }],
    ['a field of the wrong type', { consumers: [{ username: 'a', partner_tokens: [{ token: 12345678 }] }] }, { consumers: [{ partner_tokens: [{ token: 'expected a string' }] }] }],
    ['a field too short', { consumers: [{ username: 'a', partner_tokens: [{ token: 'short' }] }] }, { consumers: [{ partner_tokens: [{ token: 'length must be at least 8' }] }] }],
    ['a list that is not a list', { partner_tokens: { token: 'tok-12345' } }, { partner_tokens: 'expected an array' }],
  ])('refuses %s with Kong\'s message at the field path', (_what, doc, fields) => {
    const body = refused(doc)
    expect(body.fields).toEqual(fields)
    expect(body.flattened_errors.every((f) => f.entity_type === 'partner_token' || f.entity_type === 'consumer')).toBe(true)
  })

  it('is an unknown field when the plugin that declares it is not loaded', () => {
    const without = new PluginRegistry(BUNDLED)
    expect(refused({ partner_tokens: [] }, without).fields).toEqual({ partner_tokens: 'unknown field' })
    expect(refused({ consumers: [{ username: 'a', partner_tokens: [{ token: 'tok-12345' }] }] }, without).fields).toEqual({ consumers: [{ partner_tokens: 'unknown field' }] })
  })

  it('exports with foreign keys as ids and redacted secret fields, after the core entities', () => {
    const snap = load({ consumers: [{ username: 'acme', keyauth_credentials: [{ key: 'k1' }], partner_tokens: [{ token: 'tok-acme-1', secret: 's3cr3t-value' }] }] })
    const yaml = exportConfig(snap)
    expect(yaml).not.toContain('s3cr3t-value')
    expect(yaml).toContain('secret: REDACTED')
    expect(yaml).toContain(`consumer: ${snap.consumers[0]!.id}`)
    // key-auth's keys are exported as Kong's Admin API shows them, so the export loads back
    expect(yaml).toContain('key: k1')
    expect(yaml.indexOf('keyauth_credentials:')).toBeLessThan(yaml.indexOf('partner_tokens:'))
  })
})

describe('a bad entity declaration is refused when the plugin is loaded', () => {
  const plugin = (entities: unknown[]): AnyPlugin => ({ name: 'bad-entities', version: '1.0.0', priority: 1, schema: Type.Object({}), entities: entities as EntityDeclaration[] })
  const fields = { token: Type.String() }
  it.each<[string, unknown[], string]>([
    ['not an object', [null], 'one of its entities is not an entity declaration'],
    ['no name', [{ fields }], 'its entity name undefined is not a valid name'],
    ['an uppercase name', [{ name: 'Tokens', fields }], 'is not a valid name'],
    ['a prototype name', [{ name: 'constructor', fields }], 'is not a valid name'],
    ['a __proto__ name', [{ name: '__proto__', fields }], 'is not a valid name'],
    ['a core entity name', [{ name: 'consumers', fields }], "its entity 'consumers' has the name of a core entity"],
    ['no fields', [{ name: 'tokens' }], "its entity 'tokens' has no fields record"],
    ['an id field', [{ name: 'tokens', fields: { id: Type.String() } }], "declares 'id', which every entity has"],
    ['unique on an undeclared field', [{ name: 'tokens', fields, unique: ['nope'] }], "its entity 'tokens' unique must list declared fields"],
    ['redact on an undeclared field', [{ name: 'tokens', fields, redact: ['nope'] }], "its entity 'tokens' redact must list declared fields"],
    ['a foreign key to services', [{ name: 'tokens', fields: { service: Type.Unsafe({ 'x-foreign': 'services' }) } }], 'only consumers can be referenced'],
    ['the same name twice', [{ name: 'tokens', fields }, { name: 'tokens', fields }], "its entity 'tokens' is already declared by plugin 'bad-entities'"],
  ])('%s', (_what, entities, message) => {
    expect(() => new PluginRegistry([plugin(entities)])).toThrow(message)
  })

  it("an entity another plugin declares (key-auth's)", () => {
    const clash = plugin([{ name: 'keyauth_credentials', fields }])
    expect(() => new PluginRegistry([...BUNDLED, clash])).toThrow("its entity 'keyauth_credentials' is already declared by plugin 'key-auth'")
  })
})

describe('a third-party plugin reads its entity through kong.db', () => {
  it('authenticates by its own entity on a real gateway', async () => {
    const h = await pluginHarness({
      plugins: [partnerAuth as AnyPlugin],
      enable: [{ name: 'partner-auth' }],
      declarative: { consumers: [{ username: 'acme', partner_tokens: [{ token: 'tok-acme-1' }] }] },
    })
    try {
      const cases: [Record<string, string>, number][] = [
        [{ 'x-partner-token': 'tok-acme-1' }, 200],
        [{ 'x-partner-token': 'tok-acme-2' }, 401],
        [{ 'x-partner-token': '__proto__' }, 401],
        [{ 'x-partner-token': 'constructor' }, 401],
        [{}, 401],
      ]
      for (const [headers, status] of cases) {
        const r = await h.request('/', { headers })
        expect(r.status, JSON.stringify(headers)).toBe(status)
        if (status === 200) expect(r.headers['x-partner']).toBe(entityId('consumers', 'acme'))
      }
    } finally {
      await h.close()
    }
  })
})
