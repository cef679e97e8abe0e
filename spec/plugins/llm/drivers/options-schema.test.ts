// `model.options` is composed from the provider registry (each registration carries its own
// fields), and must answer exactly as the one shared options record did: the same values with
// defaults, the same errors at the same paths in the same order. The expected bodies in
// spec/fixtures/ai-proxy/options-errors.json were recorded from the shared record before the split.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { Type } from 'typebox'
import { PluginRegistry } from '../../../../core/plugins/registry.ts'
import type { AnyPlugin } from '../../../../core/plugins/contract.ts'
import aiProxy from '../../../../plugins/ai-proxy/index.ts'
import aiProxyAdvanced from '../../../../plugins/ai-proxy-advanced/index.ts'
import { modelSchema } from '../../../../plugins/llm/schema.ts'
import { registerProvider } from '../../../../plugins/llm/registry.ts'
import { embeddingsDimensions } from '../../../../plugins/llm/common-options.ts'
import { openai } from '../../../../plugins/llm/drivers/openai.ts'
import { CASES } from './options-schema.cases.ts'

const registry = new PluginRegistry([aiProxy as AnyPlugin, aiProxyAdvanced as AnyPlugin])
const RECORDED = new Map<string, { proxy: string; advanced: string }>(JSON.parse(readFileSync(new URL('../../../fixtures/ai-proxy/options-errors.json', import.meta.url), 'utf8')).map(
  (r: [string, string, string]) => [r[0], { proxy: r[1], advanced: r[2] }],
))

describe('model.options composed from the registry answers as the shared record did', () => {
  it.each(CASES)('%s', (name, options, provider) => {
    const proxy = registry.check('ai-proxy', { route_type: 'llm/v1/chat', model: { provider, name: 'm', options } })
    const advanced = registry.check('ai-proxy-advanced', { targets: [{ route_type: 'llm/v1/chat', model: { provider, name: 'm', options } }] })
    // compared as text: field order (the order errors are listed in) is part of the answer
    expect(JSON.stringify(proxy)).toBe(RECORDED.get(name)!.proxy)
    expect(JSON.stringify(advanced)).toBe(RECORDED.get(name)!.advanced)
  })

  it('lists the fields in the shared record\'s order', () => {
    expect(Object.keys(modelSchema().properties.options.properties)).toEqual([
      'max_tokens', 'temperature', 'top_p', 'top_k', 'input_cost', 'output_cost', 'cache_read_cost', 'cache_write_cost',
      'cache_write_cost_list', 'context_window_factor', 'service_tier_factor', 'upstream_url', 'upstream_path', 'upstream_tls_verify',
      'seconds', 'size', // the video route's (Kong 3.13 Sora example), declared with the openai driver
      'anthropic_version', 'azure_instance', 'azure_api_version', 'azure_deployment_id', 'llama2_format', 'mistral_format',
      'embeddings_dimensions', 'gemini', 'bedrock', 'cohere', 'huggingface', 'dashscope', 'databricks',
    ])
  })
})

describe('registerProvider refuses option fields that cannot join the record', () => {
  const provider = (id: string, options: Record<string, unknown>) => ({ ...openai, id, options }) as Parameters<typeof registerProvider>[0]
  it.each([
    ['__proto__', Type.String(), 'is not a valid name'],
    ['constructor', Type.String(), 'is not a valid name'],
    ['toString', Type.String(), 'is not a valid name'],
    ['hasOwnProperty', Type.String(), 'is not a valid name'],
    ['Upper', Type.String(), 'is not a valid name'],
    ['with-dash', Type.String(), 'is not a valid name'],
    ['', Type.String(), 'is not a valid name'],
    ['ok_name', null, 'is not a TypeBox schema'],
    ['ok_name', 'string', 'is not a TypeBox schema'],
    ['temperature', Type.Number(), 'is one every provider shares'],
    ['upstream_url', Type.String(), 'is one every provider shares'],
    ['azure_instance', Type.String(), "is already declared by provider 'azure'"],
    ['gemini', Type.Object({}), "is already declared by provider 'gemini'"],
    ['embeddings_dimensions', Type.Optional(Type.Integer()), "is already declared by provider 'ollama'"],
  ])('field %j (%j): %s', (field, schema, why) => {
    const options = JSON.parse('{}') as Record<string, unknown>
    Object.defineProperty(options, field, { value: schema, enumerable: true })
    const before = modelSchema()
    expect(() => registerProvider(provider('refused-provider', options))).toThrow(why)
    // nothing was registered: the composed schema is the same object
    expect(modelSchema()).toBe(before)
  })

  it('a field several providers read is shared by declaring the same schema object', () => {
    expect(() => registerProvider(provider('shares-dimensions', { embeddings_dimensions: embeddingsDimensions }))).not.toThrow()
    expect(Object.keys(modelSchema().properties.options.properties).filter((k) => k === 'embeddings_dimensions')).toHaveLength(1)
  })
})
