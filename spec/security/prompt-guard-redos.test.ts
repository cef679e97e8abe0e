// ai-prompt-guard patterns come from config and run on prompt text a client chose: each is proved
// to have a linear-time form at config load, so a catastrophic pattern on a long crafted prompt
// returns (a passing test is the proof: 2^5000 backtracking steps would never finish), and a
// pattern with no linear-time form is refused at load with its field path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { configErrorBody, loadConfig, type ConfigErrorBody } from '../../core/config/load.ts'
import { PluginRegistry } from '../../core/plugins/registry.ts'
import { BUNDLED } from '../../plugins/index.ts'
import { compiledGuard } from '../../plugins/ai-prompt-guard/patterns.ts'
import type { GuardConf } from '../../plugins/ai-prompt-guard/schema.ts'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'

const N = 5000
const EVIL: [string, string][] = [
  ['(a+)+$', `${'a'.repeat(N)}!`],
  ['(a|a)*$', `${'a'.repeat(N)}!`],
  ['(.*a){12}', 'a'.repeat(N)],
  ['^(\\w+\\s?)*$', `${'a'.repeat(N)}!`],
  ['(a|aa)+$', `${'a'.repeat(N)}!`],
  ['([a-z]+)*[0-9]$', `${'a'.repeat(N)}!`],
  ['(x+x+)+y', 'x'.repeat(N)],
  ['^(([a-z])+.)+[A-Z]([a-z])+$', `${'aaaaaaaaaa'.repeat(N / 10)}!`],
]

const conf = (c: Partial<GuardConf>): GuardConf => ({
  allow_all_conversation_history: false, match_all_roles: false, max_request_body_size: 1048576, llm_format: 'openai', genai_category: 'text/generation', ...c,
})

describe('catastrophic guard patterns return on long inputs', () => {
  it.each(EVIL)('deny %s', (pattern, input) => {
    const g = compiledGuard(conf({ deny_patterns: [pattern] }))
    expect(typeof g.deny[0]!.test(input)).toBe('boolean')
  })
  it.each(EVIL)('allow %s', (pattern, input) => {
    const g = compiledGuard(conf({ allow_patterns: [pattern] }))
    expect(typeof g.allow[0]!.test(input)).toBe('boolean')
  })
})

describe('through the gateway: every evil pattern at once, a crafted prompt is answered', () => {
  let gw: TestGateway
  let up: FakeUpstream
  beforeAll(async () => {
    up = await startUpstream()
    const config = {
      _format_version: '3.0',
      services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths: ['/r'] }] }],
      plugins: [{ name: 'ai-prompt-guard', config: { deny_patterns: EVIL.slice(0, 4).map(([p]) => p), allow_patterns: EVIL.slice(4).map(([p]) => p) } }],
    }
    gw = await startGateway(JSON.stringify(config))
  })
  afterAll(async () => { await gw?.close(); await up?.close() })

  it.each(EVIL)('prompt built against %s', async (_p, input) => {
    const res = await request(`${gw.proxy}/r`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: input }] }) })
    expect([200, 400]).toContain(res.statusCode)
    await res.body.text()
  })
})

const NOT_LINEAR = ['(a)\\1', '(?=a)b', '(?!a)b', '(?<=a)b', '(?<!a)b', '(?<n>a)\\k<n>', 'a{17}', '(ab){1,100}']
const INVALID = ['(', '[a-', '*a', '(?i)abc']

function refused(config: Record<string, unknown>): ConfigErrorBody {
  try {
    loadConfig(JSON.stringify({ _format_version: '3.0', plugins: [{ name: 'ai-prompt-guard', config }] }), { plugins: new PluginRegistry(BUNDLED) })
  } catch (e) {
    return configErrorBody(e) as ConfigErrorBody
  }
  throw new Error('expected the config to be refused')
}

describe('a pattern with no linear-time form (or no form at all) is refused at config load, with its field path', () => {
  it.each(NOT_LINEAR)('deny_patterns %s', (p) => {
    const body = refused({ deny_patterns: ['fine', p] })
    const errs = (body.fields as { plugins: { config: { deny_patterns: unknown[] } }[] }).plugins[0]!.config.deny_patterns
    expect(errs[0]).toBeNull()
    expect(errs[1]).toMatch(/^invalid regex '.*': it cannot run in linear time/)
  })
  it.each([...NOT_LINEAR, ...INVALID])('allow_patterns %s', (p) => {
    const body = refused({ allow_patterns: [p] })
    expect((body.fields as { plugins: { config: { allow_patterns: unknown[] } }[] }).plugins[0]!.config.allow_patterns[0]).toMatch(/^invalid regex /)
  })
})
