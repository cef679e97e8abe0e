// Property-based: every client format's request parser, response encoder and usage reader, and
// the declarative config loader, on random JSON-ish input (with `__proto__`, `constructor` and
// `prototype` keys). Each returns a result or throws the gateway's typed error; none pollutes
// Object.prototype.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { isGatewayError } from '../../core/errors.ts'
import { loadConfig, loadConfigObject } from '../../core/config/load.ts'
import { PluginRegistry } from '../../core/plugins/registry.ts'
import { BUNDLED } from '../../plugins/index.ts'
import { openaiFormat } from '../../plugins/llm/formats/openai.ts'
import { cohereFormat } from '../../plugins/llm/formats/cohere.ts'
import { huggingfaceFormat } from '../../plugins/llm/formats/huggingface.ts'
import { anthropicFormat } from '../../plugins/llm/formats/anthropic.ts'
import { bedrockFormat } from '../../plugins/llm/formats/bedrock.ts'
import { geminiFormat } from '../../plugins/llm/formats/gemini.ts'
import type { ClientFormat } from '../../plugins/llm/types.ts'

/** FUZZ_RUNS_FACTOR scales every property's runs (a long local hunt: FUZZ_RUNS_FACTOR=50). */
const runs = (n: number): number => Math.ceil(n * Number(process.env.FUZZ_RUNS_FACTOR ?? 1))

const FORMATS: ClientFormat[] = [openaiFormat, cohereFormat, huggingfaceFormat, anthropicFormat, bedrockFormat, geminiFormat]

const HOSTILE_KEYS = fc.constantFrom('__proto__', 'constructor', 'prototype', 'messages', 'contents', 'system', 'tools', 'content', 'role', 'text', 'parts', 'model', 'stream', 'inferenceConfig', 'generationConfig')
/** JSON values whose objects often carry the keys the parsers read, and the dangerous ones. */
const jsonish: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof({ depthSize: 'small', maxDepth: 5 },
    fc.jsonValue({ maxDepth: 2 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(HOSTILE_KEYS, fc.string({ maxLength: 5 })), tie('v'), { maxKeys: 5 }),
  ),
})).v.map((v) => JSON.parse(JSON.stringify(v) ?? 'null') as unknown) // own `__proto__` keys, as JSON.parse makes them

/** What the pipeline hands a parser: a parsed JSON object (never null, a scalar or an array). */
const jsonObject = fc.dictionary(fc.oneof(HOSTILE_KEYS, fc.string({ maxLength: 5 })), jsonish, { maxKeys: 6 })
  .map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>)

const PATHS = fc.constantFrom('/v1/messages', '/v1beta/models/m:streamGenerateContent', '/model/m/converse-stream', '/model/%2e%2e/invoke', '/generate_stream', '/', '')

function typedOrResult(run: () => unknown): void {
  try {
    run()
  } catch (e) {
    expect(isGatewayError(e), `not a gateway error: ${String(e)}`).toBe(true)
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'role')).toBe(false)
}

describe('client formats on random input', () => {
  for (const f of FORMATS) {
    it(`${f.id}: parseRequest returns or throws a gateway error`, () => {
      fc.assert(fc.property(jsonObject, PATHS, (body, path) => typedOrResult(() => f.parseRequest(body, path))), { numRuns: runs(400) })
    })
    it(`${f.id}: encodeResponse, the stream encoder and usageOf return or throw a gateway error`, () => {
      fc.assert(fc.property(jsonish, (answer) => {
        const obj = (answer !== null && typeof answer === 'object' ? answer : { value: answer }) as Record<string, unknown>
        typedOrResult(() => f.encodeResponse(obj))
        typedOrResult(() => { const e = f.streamEncoder(); e.push(obj); e.end() })
        if (f.usageOf) typedOrResult(() => f.usageOf!(answer))
      }), { numRuns: runs(300) })
    })
  }
})

describe('config loader on random documents', () => {
  const registry = new PluginRegistry(BUNDLED)
  const ENTITY_KEYS = fc.constantFrom('services', 'routes', 'plugins', 'consumers', 'upstreams', 'name', 'url', 'paths', 'hosts', 'headers', 'config', 'origins', 'route', 'service', '__proto__', 'constructor')
  const doc = fc.dictionary(ENTITY_KEYS, jsonish, { maxKeys: 6 }).map((d) => ({ _format_version: '3.0', ...d }))

  it('random entity shapes: a snapshot or a config error', () => {
    fc.assert(fc.property(doc, (d) => typedOrResult(() => loadConfigObject(JSON.parse(JSON.stringify(d)), 'fuzz', { plugins: registry }))), { numRuns: runs(300) })
  })

  it('random text (YAML and JSON-ish): a snapshot or a config error', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      doc.map((d) => JSON.stringify(d)),
      fc.array(fc.constantFrom('_format_version: "3.0"\n', 'services:\n', '- name: a\n', '  url: http://x\n', 'routes:\n', '  paths: ["~/(a+)+$"]\n', '&a [*a, *a]\n', '!!js/function x\n', '<<: *a\n', '  - ', ': ', '{', '}', '\t'), { maxLength: 20 }).map((l) => l.join('')),
    )
    fc.assert(fc.property(text, (t) => typedOrResult(() => loadConfig(t, { plugins: registry }))), { numRuns: runs(400) })
  })
})
