// Regexes from config (route paths, route header values, cors origins) against inputs built to
// make a backtracking engine take minutes: with V8's linear-engine fallback every match returns
// (a passing test is the proof), and a regex with no linear-time form is refused at config load.
import { describe, expect, it } from 'vitest'
import { compileRouter } from '../../core/router/router.ts'
import { compileRouteRegex } from '../../core/router/route-regex.ts'
import { compileLinearRegex } from '../../core/linear-regex.ts'
import { configErrorBody, loadConfig, type ConfigErrorBody } from '../../core/config/load.ts'
import { PluginRegistry } from '../../core/plugins/registry.ts'
import { BUNDLED } from '../../plugins/index.ts'
import { checkOrigins, compile } from '../../plugins/cors/origins.ts'
import type { CorsConf } from '../../plugins/cors/schema.ts'

// backtracking on these takes 2^n steps: n = 5000 would never finish without the fallback
const N = 5000
const EVIL: [string, string][] = [
  ['(a+)+$', `${'a'.repeat(N)}!`],
  ['(a|a)*$', `${'a'.repeat(N)}!`],
  ['(.*a){12}', 'a'.repeat(N)],
  ['^(\\w+\\s?)*$', `${'a'.repeat(N)}!`],
  ['(a|aa)+$', `${'a'.repeat(N)}!`],
  ['([a-z]+)*[0-9]$', `${'a'.repeat(N)}!`],
]

describe('evil regexes return on evil input', () => {
  it.each(EVIL)('route path ~/%s', (source, input) => {
    const re = compileRouteRegex(`/${source}`, true, '', { route: "route 'r'", field: 'paths' })
    expect(typeof re.test(`/${input}`)).toBe('boolean')
  })

  it.each(EVIL)('case-insensitive header value ~*%s', (source, input) => {
    const re = compileRouteRegex(source, false, 'i', { route: "route 'r'", field: 'headers.x-a' })
    expect(typeof re.test(input.toUpperCase())).toBe('boolean')
  })

  it.each(EVIL)('cors origin %s', (source, input) => {
    const c = compile({ origins: [source], methods: ['GET'], credentials: false, private_network: false, preflight_continue: false, allow_origin_absent: true } as CorsConf)
    const m = c.matchers[0]! as { regex?: RegExp }
    expect(typeof m.regex!.test(input)).toBe('boolean')
  })

  it('through the router: a request matching an evil path and header regex is answered', () => {
    const snapshot = loadConfig(`_format_version: "3.0"\nroutes:\n- name: evil\n  paths: ["~/x/(a+)+$"]\n  headers: { x-v: ["~*(a|a)*$"] }\n`, { plugins: new PluginRegistry(BUNDLED) })
    const router = compileRouter(snapshot.routes, snapshot.services)
    const match = router.match({ method: 'GET', host: 'h', path: `/x/${'a'.repeat(N)}!`, headers: { 'x-v': `${'A'.repeat(N)}!` } })
    expect(match).toBeNull()
    expect(router.match({ method: 'GET', host: 'h', path: '/x/aaa', headers: { 'x-v': 'AaA' } })?.route.name).toBe('evil')
  })
})

describe('case folding keeps the meaning of a case-insensitive regex', () => {
  it.each([
    ['abc', 'ABC', true], ['abc', 'aBd', false], ['[a-f]+', 'CafE', true], ['[^a-z]', 'Q', false],
    ['(?<Id>v)\\d', 'V1', true], ['\\w+-\\d', 'X-1', true], ['[Z-a]', 'z', true], ['x\\.json$', 'X.JSON', true],
  ] as const)('%s on %s → %s', (source, input, expected) => {
    expect(compileLinearRegex(source, 'i').test(input)).toBe(expected)
    expect(new RegExp(source, 'i').test(input)).toBe(expected)
  })
})

const NOT_LINEAR = ['(a)\\1', '(?=a)b', '(?!a)b', '(?<=a)b', '(?<!a)b', '(?<n>a)\\k<n>', 'a{17}', '(ab){1,100}']
// route regexes get the u flag for \p{..} (Rust and PCRE know it); the linear engine has no u mode
const ROUTE_NOT_LINEAR = [...NOT_LINEAR, '\\p{L}+']

function refused(yaml: string): ConfigErrorBody {
  const registry = new PluginRegistry(BUNDLED)
  try {
    loadConfig(yaml, { plugins: registry })
  } catch (e) {
    return configErrorBody(e) as ConfigErrorBody
  }
  throw new Error('expected the config to be refused')
}

describe('a regex with no linear-time form is refused at config load, with its field path', () => {
  it.each(ROUTE_NOT_LINEAR)('route path ~/%s', (source) => {
    const body = refused(`_format_version: "3.0"\nroutes:\n- name: r\n  paths: [${JSON.stringify(`~/x/${source}`)}]\n`)
    expect(JSON.stringify(body.fields)).toContain('linear time')
    expect((body.fields as { routes: { paths: unknown[] }[] }).routes[0]!.paths[0]).toMatch(/linear time/)
  })

  it.each(NOT_LINEAR)('cors origins %s', (source) => {
    expect(checkOrigins(['http://ok.example', source])).toEqual([null, expect.stringMatching(/linear time/)])
    const body = refused(`_format_version: "3.0"\nplugins:\n- name: cors\n  config:\n    origins: ["http://ok.example", ${JSON.stringify(source)}]\n`)
    expect(JSON.stringify(body.fields)).toMatch(/origins.*linear time/)
  })

  it.each(ROUTE_NOT_LINEAR)('route header ~*%s: the router refuses the route, naming the field', (source) => {
    expect(() => compileRouteRegex(source, false, 'i', { route: "route 'r'", field: 'headers.x-a' }))
      .toThrow(/headers\.x-a of route 'r'.*linear time/)
  })

  it('linear regexes with the same look are accepted', () => {
    for (const s of ['/orders/(?<id>\\d+)$', '/v\\d{1,16}/x', '/(?:a|b)+$', '/\\w+\\.json']) {
      expect(() => compileRouteRegex(s, true, '', { route: "route 'r'", field: 'paths' })).not.toThrow()
    }
    expect(checkOrigins(['https://.*\\.example\\.com', '*', 'http://a.example'])).toBeNull()
  })
})
