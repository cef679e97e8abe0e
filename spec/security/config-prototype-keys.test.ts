// Config keys named like Object.prototype members (`constructor`, `toString`, `__proto__`) are
// plain unknown or user-chosen names: refused with their field path, or taken as data. They used
// to pass as known top-level entities, be taken as foreign keys of a route (an error without a
// field), or throw out of the route schema (`headers: {constructor: [...]}`: Admin API 500).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'

type Json = Record<string, any>
let gw: TestGateway
let up: FakeUpstream
beforeAll(async () => {
  up = await startUpstream()
  gw = await startGateway('_format_version: "3.0"\n')
})
afterAll(async () => { await gw?.close(); await up?.close() })

async function postConfig(yaml: string): Promise<{ status: number; body: Json }> {
  const res = await request(`${gw.admin}/config`, { method: 'POST', body: yaml, headers: { 'content-type': 'application/yaml' } })
  return { status: res.statusCode, body: (await res.body.json()) as Json }
}
const route = (extra: string) => `_format_version: "3.0"\nservices:\n- name: s\n  url: ${up.url}\n  routes:\n  - name: r\n    paths: [/x]\n${extra}`
const NAMES = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__']

describe('top-level keys', () => {
  it.each(NAMES)('%j is an unknown field', async (name) => {
    const r = await postConfig(`_format_version: "3.0"\n${name}: []\n`)
    expect(r.status).toBe(400)
    expect(r.body.fields).toEqual({ [name]: 'unknown field' })
  })
})

describe('route fields', () => {
  it.each(NAMES)('%j on a route is refused with its field path', async (name) => {
    const r = await postConfig(route(`    ${name}: x\n`))
    expect(r.status).toBe(400)
    expect(JSON.stringify(r.body.fields)).toContain(JSON.stringify(name))
  })

  it.each(NAMES)('route headers {%s: [v]} load, and the route matches that header', async (name) => {
    // before: `__proto__` set the table's prototype and the condition was silently dropped (the
    // route matched without it); `constructor` made the schema throw (Admin API 500)
    const r = await postConfig(route(`    headers: {"${name}": [v1], X-Other: [o]}\n`))
    expect(r.status).toBe(201)
    // Kong reads `_` in a header condition as `-` (and uWS refuses header names with `_`)
    const hit = await request(`${gw.proxy}/x`, { headers: { [name.replaceAll('_', '-')]: 'v1', 'x-other': 'o' } })
    await hit.body.text()
    expect(hit.statusCode).toBe(200)
    const miss = await request(`${gw.proxy}/x`, { headers: { 'x-other': 'o' } })
    await miss.body.text()
    expect(miss.statusCode).toBe(404)
  })
})

describe('plugin configs', () => {
  // JSON.parse makes `__proto__` an own key; the plugin-config copy used to turn it into the copy's
  // prototype, so its fields were inherited (and read by code that trusts `in`) instead of refused
  it.each([
    ['request-termination', '{"__proto__": {"status_code": 418}}', ['__proto__']],
    ['request-transformer', '{"add": {"__proto__": {"headers": ["x:1"]}}}', ['add', '__proto__']],
    ['cors', '{"origins": ["a"], "headers": [], "__proto__": {"credentials": true}}', ['__proto__']],
  ])('%s with %s is refused at the key', async (name, config, path) => {
    const body = `{"_format_version":"3.0","services":[{"name":"s","url":"${up.url}","routes":[{"name":"r","paths":["/x"],"plugins":[{"name":"${name}","config":${config}}]}]}]}`
    const res = await request(`${gw.admin}/config`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    const got = (await res.body.json()) as Json
    expect(res.statusCode).toBe(400)
    let at: Json = got.fields.services[0].routes[0].plugins[0].config
    for (const k of path.slice(0, -1)) at = at[k]
    expect(Object.getOwnPropertyDescriptor(at, path.at(-1)!)?.value).toBe('unknown field')
  })
})
