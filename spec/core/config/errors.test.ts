import { describe, expect, test } from 'vitest'
import { configErrorBody, loadConfig, loadConfigObject, parseDeclarative, type ConfigErrorBody } from '../../../core/config/load.ts'
import { errors, isGatewayError } from '../../../core/errors.ts'
import { fakePlugins } from './fake-plugins.ts'

const V3 = '_format_version: "3.0"\n'

/** The code-14 body of a config that must fail. */
function invalid(text: string, env: NodeJS.ProcessEnv = {}): ConfigErrorBody {
  try {
    loadConfig(text, { plugins: fakePlugins, env })
  } catch (e) {
    expect(isGatewayError(e) && e.code).toBe(errors.configInvalid.code)
    expect(isGatewayError(e) && e.status).toBe(400)
    const body = configErrorBody(e) as ConfigErrorBody
    expect(body).toMatchObject({ code: 14, name: 'invalid declarative configuration' })
    return body
  }
  throw new Error('expected the config to be refused')
}

describe('schema errors, in Kong shape', () => {
  test("missing host and bad port: Kong's own example", () => {
    const body = invalid('_format_version: "1.1"\nservices:\n- port: -12\n')
    expect(body.fields).toEqual({ services: [{ host: 'required field missing', port: 'value should be between 0 and 65535' }] })
    expect(body.message).toBe(
      'declarative config is invalid: {services={{host="required field missing",port="value should be between 0 and 65535"}}}',
    )
  })

  test('unknown field, bad protocol, wrong types', () => {
    const body = invalid(`${V3}services:\n- host: a.example\n  protocol: htp\n  foo: 1\n  retries: "5"\n  enabled: yes\n`)
    expect(body.fields.services).toEqual([{
      foo: 'unknown field',
      protocol: 'expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp, ws, wss',
      retries: 'expected an integer',
      enabled: 'expected a boolean',
    }])
  })

  test('unknown top-level field, missing or bad _format_version', () => {
    expect(invalid('services: []\nupstreams: []\n').fields).toEqual({ _format_version: 'required field missing', upstreams: 'unknown field' })
    expect(invalid('_format_version: "4.0"\n').fields).toEqual({ _format_version: 'expected one of: 1.1, 2.1, 3.0' })
    expect(invalid('_format_version: 3.0\n').fields).toEqual({ _format_version: 'expected a string' })
  })

  test('route without any matcher: the https message by default, the http one for http only', () => {
    expect(invalid(`${V3}routes:\n- name: r\n`).fields).toEqual({
      routes: [{ '@entity': ["must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'"] }],
    })
    expect(invalid(`${V3}routes:\n- protocols: [http]\n`).fields).toEqual({
      routes: [{ '@entity': ["must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'"] }],
    })
  })

  test('bad paths: regex that does not compile, non-normalized, bad start', () => {
    const body = invalid(`${V3}routes:\n- paths: ["/ok", "~/orders/(?<id>\\\\d+", "/a/../b", "orders"]\n`)
    expect(body.fields.routes).toEqual([{
      paths: [
        null,
        "invalid regex: '/orders/(?<id>\\d+' (Unterminated group)",
        "non-normalized path, consider use '/b' instead",
        'should start with: / (fixed path) or ~/ (regex path)',
      ],
    }])
    expect(body.message).toContain('paths={[2]="invalid regex:')
  })

  test('route headers may not name host; protocols from different families', () => {
    const body = invalid(`${V3}routes:\n- paths: [/]\n  headers: { Host: [a] }\n- paths: [/]\n  protocols: [http, tcp]\n- paths: [/]\n  protocols: [nope]\n`)
    expect(body.fields.routes).toEqual([
      { headers: "cannot contain 'host' header, which must be specified in the 'hosts' attribute" },
      { protocols: "these sets are mutually exclusive: ('http', 'https'), ('tcp', 'tls', 'udp')" },
      { protocols: 'unknown type: nope' },
    ])
  })

  test('consumer without username or custom_id', () => {
    expect(invalid(`${V3}consumers:\n- tags: [a]\n`).fields).toEqual({
      consumers: [{ '@entity': ["at least one of these fields must be non-empty: 'custom_id', 'username'"] }],
    })
  })

  test('protocol-conditional service fields', () => {
    expect(invalid(`${V3}services:\n- host: a.example\n  protocol: tcp\n  path: /x\n`).fields.services).toEqual([
      { path: 'value must be null', '@entity': ["failed conditional validation given value of field 'protocol'"] },
    ])
  })

  test('field errors are still reported when another field fails the schema', () => {
    expect(invalid(`${V3}services:\n- host: "bad host"\n  port: x\n`).fields.services).toEqual([
      { host: 'invalid value: bad host', port: 'expected an integer' },
    ])
  })
})

describe('uniqueness and references', () => {
  test('duplicate names', () => {
    const body = invalid(`${V3}services:\n- { name: foo, host: a.example }\n- { name: foo, host: b.example }\n`)
    expect(body.fields).toEqual({ services: [null, "uniqueness violation: 'services' entity with name set to 'foo' already declared"] })
    expect(body.message).toBe(
      `declarative config is invalid: {services={[2]="uniqueness violation: 'services' entity with name set to 'foo' already declared"}}`,
    )
  })

  test('duplicate ids, custom_ids and keys', () => {
    const id = '0855b320-0dd2-547d-891d-601e9b38647f'
    expect(invalid(`${V3}services:\n- { id: ${id}, host: a.example }\n- { id: ${id}, host: b.example }\n`).fields.services).toEqual([
      null, `uniqueness violation: 'services' entity with primary key set to '${id}' already declared`,
    ])
    expect(invalid(`${V3}consumers:\n- { username: a, custom_id: c }\n- { username: b, custom_id: c }\n`).fields.consumers).toEqual([
      null, "uniqueness violation: 'consumers' entity with custom_id set to 'c' already declared",
    ])
    expect(invalid(`${V3}consumers:\n- username: a\n  keyauth_credentials: [{ key: k }]\n- username: b\n  keyauth_credentials: [{ key: k }]\n`).fields.consumers).toEqual([
      null, { keyauth_credentials: ["uniqueness violation: 'keyauth_credentials' entity with key set to 'k' already declared"] },
    ])
  })

  test('two plugins of one name in one scope, however they are declared', () => {
    const dup = "uniqueness violation: 'plugins' entity with name set to 'key-auth' already declared for the same route, service and consumer"
    expect(invalid(`${V3}plugins:\n- name: key-auth\n- name: key-auth\n`).fields).toEqual({ plugins: [null, dup] })
    const nested = invalid(`${V3}services:\n- name: s\n  host: a.example\n  plugins: [{ name: key-auth }]\nplugins:\n- { name: key-auth, service: s }\n`)
    expect(nested.fields).toEqual({ plugins: [dup] })
  })

  test('unresolved foreign references, and foreign keys set inside nesting', () => {
    const body = invalid(`${V3}services:\n- name: s\n  host: a.example\n  routes:\n  - { paths: [/], service: s }\nroutes:\n- { paths: [/], service: missing }\nplugins:\n- { name: key-auth, consumer: nobody }\n`)
    expect(body.fields).toEqual({
      services: [{ routes: [{ service: 'value must be null' }] }],
      routes: [{ service: "invalid reference 'service: missing' (no such entry in 'services')" }],
      plugins: [{ consumer: "invalid reference 'consumer: nobody' (no such entry in 'consumers')" }],
    })
  })

  test('top-level credentials need a consumer', () => {
    expect(invalid(`${V3}keyauth_credentials:\n- key: k\n`).fields).toEqual({ keyauth_credentials: [{ consumer: 'required field missing' }] })
  })
})

describe('plugins', () => {
  test('unknown plugin name, at the name field', () => {
    expect(invalid(`${V3}plugins:\n- name: nope\n`).fields).toEqual({
      plugins: [{ name: "plugin 'nope' not enabled; add it to the 'plugins' configuration property" }],
    })
  })

  test("the plugin's config errors are nested under config, entity checks hoisted to @entity", () => {
    const body = invalid(`${V3}routes:\n- paths: [/]\n  plugins:\n  - name: http-log\n    config: {}\nplugins:\n- name: acl\n  config: { allow: [a], deny: [b] }\n`)
    expect(body.fields).toEqual({
      routes: [{ plugins: [{ config: { http_endpoint: 'required field missing' } }] }],
      plugins: [{ '@entity': ["exactly one of these fields must be non-empty: 'config.allow', 'config.deny'"] }],
    })
    expect(body.flattened_errors[0]).toMatchObject({
      entity_type: 'plugin', entity_name: 'http-log', entity: { name: 'http-log', config: {}, route: { id: expect.any(String) } },
      errors: [{ type: 'field', field: 'config.http_endpoint', message: 'required field missing' }],
    })
  })
})

describe('vault references', () => {
  const AI = (ref: string) => `${V3}plugins:\n- name: ai-proxy\n  config: { auth: { header_name: x-api-key, header_value: "${ref}" } }\n`

  test('resolved from env in any string of a plugin config', () => {
    const snap = loadConfig(AI('{vault://env/openai-key}'), { plugins: fakePlugins, env: { OPENAI_KEY: 'sk-123' } })
    expect(snap.plugins[0].config.auth).toEqual({ header_name: 'x-api-key', header_value: 'sk-123' })
  })

  test('a missing one is an error at its path', () => {
    expect(invalid(AI('{vault://env/missing-key}')).fields).toEqual({
      plugins: [{ config: { auth: { header_value: 'could not resolve reference {vault://env/missing-key} (no value found (environment variable MISSING_KEY is not set))' } } }],
    })
  })
})

describe('parse errors and reporting', () => {
  test('YAML syntax error: code 14 with fields.error', () => {
    const body = invalid('_format_version: "3.0"\nservices: [\n')
    expect(Object.keys(body.fields)).toEqual(['error'])
    expect(body.fields.error).toMatch(/^failed parsing declarative configuration: .+ at line \d+, column \d+$/)
    expect(() => parseDeclarative('a: [1\nb: 2')).toThrow(expect.objectContaining({ code: errors.configParse.code }))
  })

  test('not an object', () => {
    expect(invalid('bobby tables').fields).toEqual({ error: 'failed parsing declarative configuration: expected an object' })
    expect(() => loadConfigObject([1], '', { plugins: fakePlugins })).toThrow(expect.objectContaining({ code: 'GW_ERR_CONFIG' }))
  })

  test('empty input', () => {
    for (const text of ['', '  \n', '# only a comment\n']) {
      let caught: unknown
      try {
        loadConfig(text, { plugins: fakePlugins })
      } catch (e) {
        caught = e
      }
      expect(isGatewayError(caught) && caught.code).toBe(errors.configEmpty.code)
      expect(configErrorBody(caught)).toEqual({ message: 'expected a declarative configuration' })
    }
  })

  test('every error is reported at once, and flattened per entity', () => {
    const body = invalid(`${V3}services:\n- name: a\n  port: 70000\n  routes:\n  - name: r\n    paths: [x]\n- name: ok\n  host: ok.example\nconsumers:\n- tags: [t]\nplugins:\n- name: nope\n  tags: [p]\n`)
    expect(body.fields).toEqual({
      services: [{
        host: 'required field missing',
        port: 'value should be between 0 and 65535',
        routes: [{ paths: ['should start with: / (fixed path) or ~/ (regex path)'] }],
      }],
      consumers: [{ '@entity': ["at least one of these fields must be non-empty: 'custom_id', 'username'"] }],
      plugins: [{ name: "plugin 'nope' not enabled; add it to the 'plugins' configuration property" }],
    })
    const flat = body.flattened_errors.map((f) => [f.entity_type, f.entity_name, f.errors])
    expect(flat).toEqual([
      ['consumer', undefined, [{ type: 'entity', message: "at least one of these fields must be non-empty: 'custom_id', 'username'" }]],
      ['service', 'a', [
        { type: 'field', field: 'host', message: 'required field missing' },
        { type: 'field', field: 'port', message: 'value should be between 0 and 65535' },
      ]],
      ['route', 'r', [{ type: 'field', field: 'paths.1', message: 'should start with: / (fixed path) or ~/ (regex path)' }]],
      ['plugin', 'nope', [{ type: 'field', field: 'name', message: "plugin 'nope' not enabled; add it to the 'plugins' configuration property" }]],
    ])
    expect(body.flattened_errors[3]).toMatchObject({ entity_tags: ['p'], entity: { name: 'nope', tags: ['p'] } })
    expect(body.flattened_errors[1].entity).toEqual({ name: 'a', port: 70000 })
  })
})
