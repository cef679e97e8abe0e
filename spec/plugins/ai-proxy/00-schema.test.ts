// ai-proxy config: Kong's defaults and entity checks with Kong's messages (kong-ai-features.md
// §2.1, Kong's spec/03-plugins/38-ai-proxy/00-config_spec.lua).
import { describe, expect, it } from 'vitest'
import { PluginRegistry } from '../../../core/plugins/registry.ts'
import aiProxy from '../../../plugins/ai-proxy/index.ts'
import type { AnyPlugin } from '../../../core/plugins/contract.ts'
import { configErrorBody, loadConfig } from '../../../core/config/load.ts'

const registry = new PluginRegistry([aiProxy as AnyPlugin])
const check = (config: Record<string, unknown>) => registry.check('ai-proxy', config)

const base = (model: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ route_type: 'llm/v1/chat', model, ...extra })

function entityErrors(config: Record<string, unknown>): unknown {
  const r = check(config)
  if (r.ok) return []
  return (r.errors as Record<string, unknown>)['@entity']
}

describe('ai-proxy schema', () => {
  it("fills Kong's defaults", () => {
    const r = check(base({ provider: 'openai', name: 'gpt-4o' }))
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value).toMatchObject({
      llm_format: 'openai', response_streaming: 'allow', max_request_body_size: 1048576, model_name_header: true,
      genai_category: 'text/generation',
      logging: { log_statistics: false, log_payloads: false },
      auth: { allow_override: false, azure_use_managed_identity: false, gcp_use_service_account: false },
      model: { options: { azure_api_version: '2023-05-15' } },
    })
  })

  it('needs route_type and model.provider, and knows only Kong fields and values', () => {
    const r = check({ model: { provider: 'nope' }, extra: 1 })
    expect(r.ok).toBe(false)
    if (r.ok) return
    const e = r.errors as Record<string, any>
    expect(e.route_type).toBe('required field missing')
    expect(e.extra).toBe('unknown field')
    expect(typeof e.model.provider).toBe('string')
  })

  it('checks option ranges', () => {
    const r = check(base({ provider: 'openai', options: { temperature: 6, top_p: 2, top_k: 501 } }))
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(Object.keys((r.errors as any).model.options).sort()).toEqual(['temperature', 'top_k', 'top_p'])
  })

  const cases: [string, Record<string, unknown>, string[]][] = [
    ['header auth all or none', base({ provider: 'openai' }, { auth: { header_name: 'Authorization' } }),
      ["all or none of these fields must be set: 'auth.header_name', 'auth.header_value'"]],
    ['param auth all or none', base({ provider: 'openai' }, { auth: { param_name: 'key', param_value: 'v' } }),
      ["all or none of these fields must be set: 'auth.param_name', 'auth.param_value', 'auth.param_location'"]],
    ['bedrock allow_override', base({ provider: 'bedrock', options: { bedrock: { aws_region: 'us-east-1' } } }, { auth: { allow_override: true } }),
      ['bedrock and gemini only support auth.allow_override = false']],
    ['gemini allow_override', base({ provider: 'gemini' }, { auth: { allow_override: true } }),
      ['bedrock and gemini only support auth.allow_override = false']],
    ['llama2 format and url', base({ provider: 'llama2' }),
      ["must set 'model.options.llama2_format' for llama2 provider", "must set 'model.options.upstream_url' for self-hosted providers/models"]],
    ['mistral format', base({ provider: 'mistral' }), ["must set 'model.options.mistral_format' for mistral provider"]],
    ['anthropic version', base({ provider: 'anthropic' }), ["must set 'model.options.anthropic_version' for anthropic provider"]],
    ['azure instance and deployment', base({ provider: 'azure' }),
      ["must set 'model.options.azure_instance' for azure provider", "must set 'model.options.azure_deployment_id' for azure provider"]],
    ['vllm url', base({ provider: 'vllm' }), ["must set 'model.options.upstream_url' for self-hosted providers/models"]],
    ['gemini vertex all or none', base({ provider: 'gemini', options: { gemini: { project_id: 'p' } } }),
      ["all or none of these fields must be set: 'model.options.gemini.api_endpoint', 'model.options.gemini.project_id', 'model.options.gemini.location_id'"]],
    ['anthropic completions statistics', { route_type: 'llm/v1/completions', model: { provider: 'anthropic', options: { anthropic_version: '2023-06-01' } }, logging: { log_statistics: true } },
      ['anthropic does not support statistics when route_type is llm/v1/completions']],
  ]
  it.each(cases)('%s', (_name, config, messages) => {
    expect(entityErrors(config)).toEqual(messages)
  })

  it('allows header and param auth together, and no auth at all', () => {
    expect(check(base({ provider: 'openai' }, { auth: { header_name: 'a', header_value: 'b', param_name: 'k', param_value: 'v', param_location: 'query' } })).ok).toBe(true)
    expect(check(base({ provider: 'llama2', options: { llama2_format: 'raw', upstream_url: 'http://x' } })).ok).toBe(true)
  })

  it('native llm_format needs llm/v1/chat and its own provider', () => {
    const r = check({ route_type: 'llm/v1/completions', llm_format: 'gemini', model: { provider: 'openai' } })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.errors).toEqual({
      route_type: 'value must be llm/v1/chat',
      model: { provider: 'value must be gemini' },
      '@entity': [
        "native provider options in llm_format can only be used with the 'llm/v1/chat' route_type",
        "native llm_format 'gemini' can only be used with the 'gemini' model.provider",
      ],
    })
  })
})

describe('ai-proxy config errors in a declarative config', () => {
  it("reports entity checks at the plugin's @entity and field errors under config, Kong code 14", () => {
    const text = JSON.stringify({
      _format_version: '3.0',
      plugins: [{ name: 'ai-proxy', config: { route_type: 'llm/v1/completions', llm_format: 'bedrock', auth: { header_name: 'x' }, model: { provider: 'openai' } } }],
    })
    let body: any
    try { loadConfig(text, { plugins: registry, env: {} }) } catch (e) { body = configErrorBody(e) }
    expect(body.code).toBe(14)
    expect(body.fields.plugins[0]['@entity']).toEqual([
      "all or none of these fields must be set: 'auth.header_name', 'auth.header_value'",
      "native provider options in llm_format can only be used with the 'llm/v1/chat' route_type",
      "native llm_format 'bedrock' can only be used with the 'bedrock' model.provider",
    ])
    expect(body.fields.plugins[0].config).toEqual({ route_type: 'value must be llm/v1/chat', model: { provider: 'value must be bedrock' } })
  })
})
