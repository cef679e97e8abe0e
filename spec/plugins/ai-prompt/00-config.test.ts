// The three prompt plugins' configs: Kong 3.14's fields, defaults and entity-check messages, each
// refusal at its field path.
import { describe, expect, it } from 'vitest'
import { configErrorBody, loadConfig } from '../../../core/config/load.ts'
import { PluginRegistry } from '../../../core/plugins/registry.ts'
import { BUNDLED } from '../../../plugins/index.ts'

function load(name: string, config: Record<string, unknown>): { ok: true; config: Record<string, unknown> } | { ok: false; fields: unknown } {
  try {
    const s = loadConfig(JSON.stringify({ _format_version: '3.0', plugins: [{ name, config }] }), { plugins: new PluginRegistry(BUNDLED) })
    return { ok: true, config: s.plugins[0]!.config as Record<string, unknown> }
  } catch (e) {
    return { ok: false, fields: (configErrorBody(e) as { fields: { plugins: unknown[] } }).fields.plugins[0] }
  }
}

describe('defaults (Kong 3.14)', () => {
  it('ai-prompt-guard', () => {
    expect(load('ai-prompt-guard', { deny_patterns: ['x'] })).toEqual({ ok: true, config: {
      deny_patterns: ['x'], allow_all_conversation_history: false, match_all_roles: false, max_request_body_size: 1048576, llm_format: 'openai', genai_category: 'text/generation',
    } })
  })
  it('ai-prompt-decorator', () => {
    expect(load('ai-prompt-decorator', { prompts: { append: [{ content: 'x' }] } })).toEqual({ ok: true, config: {
      prompts: { append: [{ role: 'system', content: 'x' }] }, max_request_body_size: 1048576, llm_format: 'openai',
    } })
  })
  it('ai-prompt-template', () => {
    expect(load('ai-prompt-template', { templates: [{ name: 'a', template: '{}' }] })).toEqual({ ok: true, config: {
      templates: [{ name: 'a', template: '{}' }], allow_untemplated_requests: true, log_original_request: false, max_request_body_size: 1048576,
    } })
  })
  it.each(['openai', 'anthropic', 'bedrock', 'cohere', 'gemini', 'huggingface'])('llm_format %s is accepted by the guard and the decorator', (f) => {
    expect(load('ai-prompt-guard', { deny_patterns: ['x'], llm_format: f }).ok).toBe(true)
    expect(load('ai-prompt-decorator', { prompts: { prepend: [{ content: 'x' }] }, llm_format: f }).ok).toBe(true)
  })
})

const AT_LEAST_GUARD = "at least one of these fields must be non-empty: 'config.allow_patterns', 'config.deny_patterns'"
const AT_LEAST_DECO = "at least one of these fields must be non-empty: 'config.prompts.prepend', 'config.prompts.append'"

describe('refusals', () => {
  it.each([
    ['ai-prompt-guard', {}, { '@entity': [AT_LEAST_GUARD] }],
    ['ai-prompt-guard', { allow_patterns: [], deny_patterns: [] }, { '@entity': [AT_LEAST_GUARD] }],
    ['ai-prompt-guard', { deny_patterns: ['x'], match_all_roles: true, allow_all_conversation_history: true },
      { '@entity': ["failed conditional validation given value of field 'config.match_all_roles'"], config: { allow_all_conversation_history: 'value must be false' } }],
    ['ai-prompt-guard', { deny_patterns: ['a'.repeat(501)] }, { config: { deny_patterns: ['length must be at most 500'] } }],
    ['ai-prompt-guard', { deny_patterns: [''] }, { config: { deny_patterns: ['length must be at least 1'] } }],
    ['ai-prompt-guard', { deny_patterns: Array(11).fill('x') }, { config: { deny_patterns: 'length must be at most 10' } }],
    ['ai-prompt-guard', { deny_patterns: ['x'], llm_format: 'mistral' }, { config: { llm_format: 'expected one of: openai, anthropic, bedrock, cohere, gemini, huggingface' } }],
    ['ai-prompt-decorator', {}, { '@entity': [AT_LEAST_DECO] }],
    ['ai-prompt-decorator', { prompts: { prepend: [], append: [] } }, { '@entity': [AT_LEAST_DECO] }],
    ['ai-prompt-decorator', { prompts: { prepend: [{ role: 'tool', content: 'x' }] } }, { config: { prompts: { prepend: [{ role: 'expected one of: system, assistant, user' }] } } }],
    ['ai-prompt-decorator', { prompts: { prepend: [{ role: 'user' }] } }, { config: { prompts: { prepend: [{ content: 'required field missing' }] } } }],
    ['ai-prompt-decorator', { prompts: { append: Array(16).fill({ content: 'x' }) } }, { config: { prompts: { append: 'length must be at most 15' } } }],
    ['ai-prompt-decorator', { prompts: { append: [{ content: 'x'.repeat(100001) }] } }, { config: { prompts: { append: [{ content: 'length must be at most 100000' }] } } }],
    ['ai-prompt-template', {}, { config: { templates: 'required field missing' } }],
    ['ai-prompt-template', { templates: [{ name: 'a' }] }, { config: { templates: [{ template: 'required field missing' }] } }],
    ['ai-prompt-template', { templates: [], llm_format: 'openai' }, { config: { llm_format: 'unknown field' } }],
  ] as const)('%s %#', (name, config, fields) => {
    const r = load(name, config as Record<string, unknown>)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.fields).toEqual(fields)
  })
})
