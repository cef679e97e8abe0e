import { describe, expect, test } from 'vitest'
import { createHash } from 'node:crypto'
import { exportConfig, listEntities } from '../../../core/config/export.ts'
import { loadConfig, loadConfigObject } from '../../../core/config/load.ts'
import { entityId } from '../../../core/config/uuid.ts'
import { fakePlugins } from './fake-plugins.ts'

const FULL = `
_format_version: "3.0"
_comment: a full example
services:
- name: my-service
  url: https://example.com
  tags: [team-a]
  plugins:
  - name: key-auth
  routes:
  - name: my-route
    paths: ["/", "~/orders/(?<id>\\\\d+)$"]
    methods: [GET, POST]
    headers: { X-Version: ["1"] }
    plugins:
    - name: rate-limiting
      config: { minute: 60 }
- name: plain
  host: upstream.internal
  port: 8080
  path: /v1
  retries: 0
  read_timeout: 1000
routes:
- name: top-route
  service: plain
  hosts: ["*.example.com"]
  protocols: [https]
  strip_path: false
consumers:
- username: my-user
  keyauth_credentials:
  - key: my-key
  acls:
  - group: gold
  plugins:
  - name: rate-limiting
    config: { minute: 600 }
- custom_id: only-custom
plugins:
- name: http-log
  config: { http_endpoint: "http://logs.internal/" }
- name: http-log
  route: top-route
  config: { http_endpoint: "http://logs.internal/top" }
basicauth_credentials:
- consumer: my-user
  username: bob
  password: secret
`

const load = (text = FULL) => loadConfig(text, { plugins: fakePlugins, env: {} })

describe('loadConfig: a valid config', () => {
  const snap = load()

  test('nesting is flattened into foreign references', () => {
    const [svc, plain] = snap.services
    const route = snap.routes.find((r) => r.name === 'my-route')
    expect(route?.service).toEqual({ id: svc.id })
    expect(snap.routes.find((r) => r.name === 'top-route')?.service).toEqual({ id: plain.id })
    const keyAuth = snap.plugins.find((p) => p.name === 'key-auth')
    expect(keyAuth).toMatchObject({ service: { id: svc.id }, route: null, consumer: null })
    const routeLimit = snap.plugins.find((p) => p.name === 'rate-limiting' && p.route !== null)
    expect(routeLimit?.route).toEqual({ id: route?.id })
    const consumer = snap.consumers[0]
    expect(snap.keyauth_credentials[0]).toMatchObject({ key: 'my-key', consumer: { id: consumer.id }, ttl: null })
    expect(snap.acls[0]).toMatchObject({ group: 'gold', consumer: { id: consumer.id } })
    expect(snap.plugins.find((p) => p.consumer !== null)?.config).toEqual({ policy: 'local', minute: 600 })
    expect(snap.basicauth_credentials[0].consumer).toEqual({ id: consumer.id })
  })

  test('url shorthand and service defaults', () => {
    expect(snap.services[0]).toEqual({
      id: snap.services[0].id, name: 'my-service', protocol: 'https', host: 'example.com', port: 443, path: null,
      retries: 5, connect_timeout: 60000, write_timeout: 60000, read_timeout: 60000, enabled: true,
      tls_verify: null, tags: ['team-a'],
    })
    expect(snap.services[1]).toMatchObject({ protocol: 'http', port: 8080, path: '/v1', retries: 0, read_timeout: 1000 })
  })

  test('route defaults, header names lower-cased', () => {
    expect(snap.routes[0]).toMatchObject({
      protocols: ['http', 'https'], strip_path: true, preserve_host: false, path_handling: 'v0', regex_priority: 0,
      https_redirect_status_code: 426, request_buffering: true, response_buffering: true,
      methods: ['GET', 'POST'], headers: { 'x-version': ['1'] }, hosts: null, snis: null, tags: null,
    })
    expect(snap.routes[1]).toMatchObject({ protocols: ['https'], strip_path: false, hosts: ['*.example.com'] })
  })

  test('plugin defaults: enabled, protocols, config from the plugin schema', () => {
    const keyAuth = snap.plugins.find((p) => p.name === 'key-auth')
    expect(keyAuth).toMatchObject({
      enabled: true, protocols: ['grpc', 'grpcs', 'http', 'https'], instance_name: null,
      config: { key_names: ['apikey'], hide_credentials: false },
    })
  })

  test("ids are Kong's: v5 of the endpoint key or cache key", () => {
    // values from Kong's spec/02-integration/04-admin_api/15-off_spec.lua
    expect(snap.services[0].id).toBe('0855b320-0dd2-547d-891d-601e9b38647f')
    expect(snap.routes[0].id).toBe('481a9539-f49c-51b6-b2e2-fe99ee68866c')
    expect(snap.consumers[0].id).toBe('4b1b701d-de2b-5588-9aa2-3b97061d9f52')
    expect(snap.keyauth_credentials[0].id).toBe('487ab43c-b2c9-51ec-8da5-367586ea2b61')
    expect(snap.plugins.find((p) => p.name === 'key-auth')?.id).toBe('0611a5a9-de73-5a2d-a4e6-6a38ad4c3cb2')
    expect(snap.plugins.find((p) => p.name === 'http-log' && p.route === null)?.id).toBe(entityId('plugins', 'plugins:http-log:::'))
    expect(snap.plugins.find((p) => p.name === 'http-log' && p.route !== null)?.id).toBe(entityId('plugins', 'plugins:http-log:top-route::'))
    expect(snap.acls[0].id).toBe(entityId('acls', `acls:${snap.consumers[0].id}:gold`))
  })

  test('ids are stable across loads, distinct and v5; given ids are kept', () => {
    const again = load()
    const all = (s: typeof snap) => [...s.services, ...s.routes, ...s.consumers, ...s.plugins, ...s.keyauth_credentials, ...s.acls].map((e) => e.id)
    expect(all(again)).toEqual(all(snap))
    expect(new Set(all(snap)).size).toBe(all(snap).length)
    for (const id of all(snap)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const given = load('_format_version: "3.0"\nservices:\n- id: 0175e0e8-3de9-46b4-96f1-b12dcb4b6691\n  host: a.example\n')
    expect(given.services[0].id).toBe('0175e0e8-3de9-46b4-96f1-b12dcb4b6691')
  })

  test('basic-auth passwords are hashed as Kong does unless _transform is false', () => {
    const consumerId = snap.consumers[0].id
    const sha1 = createHash('sha1').update('secret' + consumerId).digest('hex')
    expect(snap.basicauth_credentials[0].password).toBe(sha1)
    const raw = load(`_format_version: "3.0"\n_transform: false\nconsumers:\n- username: u\n  basicauth_credentials:\n  - { username: bob, password: ${sha1} }\n`)
    expect(raw.basicauth_credentials[0].password).toBe(sha1)
  })

  test('hash is the md5 of the raw text; source is kept', () => {
    expect(snap.hash).toBe(createHash('md5').update(FULL).digest('hex'))
    expect(snap.source).toBe(FULL)
  })

  test('the snapshot is deep-frozen', () => {
    expect(Object.isFrozen(snap)).toBe(true)
    expect(Object.isFrozen(snap.routes)).toBe(true)
    expect(Object.isFrozen(snap.routes[0].paths)).toBe(true)
    expect(Object.isFrozen(snap.routes[0].headers?.['x-version'])).toBe(true)
    expect(Object.isFrozen(snap.plugins[0].config)).toBe(true)
    expect(() => {
      ;(snap.services[0] as { port: number }).port = 1
    }).toThrow(TypeError)
  })

  test('JSON input and an already parsed object load the same', () => {
    const text = JSON.stringify({ _format_version: '3.0', services: [{ name: 's', url: 'http://a.example:81/p' }] })
    const fromText = loadConfig(text, { plugins: fakePlugins })
    const fromObject = loadConfigObject(JSON.parse(text), text, { plugins: fakePlugins })
    expect(fromText).toEqual(fromObject)
    expect(fromText.services[0]).toMatchObject({ protocol: 'http', host: 'a.example', port: 81, path: '/p' })
  })

  test('format 1.1 and 2.1: regex-looking paths get a ~ prefix, plain paths are normalized', () => {
    for (const version of ['1.1', '2.1']) {
      const s = load(`_format_version: "${version}"\nroutes:\n- paths: ["/orders/\\\\d+", "/v1", "/a/%7e/b"]\n`)
      expect(s.routes[0].paths).toEqual(['~/orders/\\d+', '/v1', '/a/~/b'])
    }
    expect(load('_format_version: "3.0"\nroutes:\n- paths: ["/v1"]\n').routes[0].paths).toEqual(['/v1'])
  })

  test('an empty config (only the version) is valid', () => {
    const s = load('_format_version: "3.0"\n')
    expect(s.services).toEqual([])
    expect(s.plugins).toEqual([])
  })
})

describe('export', () => {
  test("exportConfig gives Kong's export shape, and loads back to the same entities", () => {
    const snap = load()
    const yaml = exportConfig(snap)
    expect(yaml).toMatch(/^_format_version: "3\.0"\n_transform: false\n/)
    const again = load(yaml)
    const { hash: _h, source: _s, ...entities } = snap
    const { hash: _h2, source: _s2, ...reloaded } = again
    expect(reloaded).toEqual(entities)
  })

  test('listEntities lists one type, in declaration order', () => {
    const snap = load()
    expect(listEntities(snap, 'services').map((s) => s.name)).toEqual(['my-service', 'plain'])
    expect(listEntities(snap, 'routes')).toHaveLength(2)
    expect(listEntities(snap, 'consumers')).toHaveLength(2)
  })
})
