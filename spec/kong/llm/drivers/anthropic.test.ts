import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { llmErrors } from '../../../../plugins/llm/errors.ts'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'
import { ctx, decode, encode, thrown } from '../../../plugins/llm/helpers/anthropic-calls.ts'

const KONG = KONG_FIXTURES
const kongJson = (p: string) => JSON.parse(readFileSync(KONG + p, 'utf8'))

describe('anthropic driver: Kong fixtures', () => {
  // Kong's 01-unit config for anthropic
  const options = { max_tokens: 512, temperature: 0.5, top_p: 1.0 }

  it('converts unit/requests/llm-v1-chat to the expected Messages body', () => {
    const out = encode(kongJson('unit/requests/llm-v1-chat.json'), ctx('llm/v1/chat', options))
    // Kong 3.10 dropped top_p; the later Kong (3.13.0.8/3.14.0.7) maps top_p/top_k/stop, which we follow
    expect(out).toEqual({ ...kongJson('unit/expected-requests/anthropic/llm-v1-chat.json'), top_p: 1 })
  })

  it('converts unit/requests/llm-v1-completions to the expected Complete body', () => {
    const out = encode(kongJson('unit/requests/llm-v1-completions.json'), ctx('llm/v1/completions', options))
    expect(out).toEqual(kongJson('unit/expected-requests/anthropic/llm-v1-completions.json'))
  })

  it('converts the real chat response (message and model, as Kong compares)', () => {
    const expected = kongJson('unit/expected-responses/anthropic/llm-v1-chat.json')
    const { body, model } = decode(readFileSync(KONG + 'unit/real-responses/anthropic/llm-v1-chat.json', 'utf8'))
    const out = JSON.parse(body!)
    expect(out.choices[0].message).toEqual(expected.choices[0].message)
    expect(out.model).toBe(expected.model)
    expect(model).toBe('claude-2.1')
    expect(out.object).toBe('chat.completion')
    // the fixture carries Kong 3.10's raw "stop_sequence"; Kong ≥3.11.0.3 maps it to "stop", as we do
    expect(expected.choices[0].finish_reason).toBe('stop_sequence')
    expect(out.choices[0].finish_reason).toBe('stop')
  })

  it('converts the real completions response', () => {
    const expected = kongJson('unit/expected-responses/anthropic/llm-v1-completions.json')
    const out = JSON.parse(decode(readFileSync(KONG + 'unit/real-responses/anthropic/llm-v1-completions.json'), ctx('llm/v1/completions')).body!)
    expect(out.choices[0].text).toBe(expected.choices[0].text)
    expect(out.model).toBe(expected.model)
    expect(out.object).toBe('text_completion')
    expect(out.choices[0].finish_reason).toBe('stop') // later mapping (fixture: raw "stop_sequence")
  })

  it('good.json: message is exactly {role, content}, usage from input/output tokens', () => {
    const r = decode(readFileSync(KONG + 'anthropic/llm-v1-chat/responses/good.json'))
    const out = JSON.parse(r.body!)
    expect(out.choices[0].message).toEqual({ role: 'assistant', content: 'The sum of 1 + 1 is 2.' })
    expect(out.choices[0].finish_reason).toBe('stop')
    expect(out.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 })
    expect(r.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 })
  })

  it('no_usage_response gives Kong\'s usage string, malformed usage gives {}', () => {
    const none = decode(readFileSync(KONG + 'anthropic/llm-v1-chat/responses/no_usage_response.json'))
    expect(JSON.parse(none.body!).usage).toBe('no usage data returned from upstream')
    expect(none.usage).toBeNull()
    const bad = decode(readFileSync(KONG + 'anthropic/llm-v1-chat/responses/malformed_usage_response.json'))
    expect(JSON.parse(bad.body!).usage).toEqual({})
    expect(bad.usage).toBeNull()
  })

  it('bad_upstream_response is a 500 with Kong\'s message', () => {
    const e = thrown(() => decode(readFileSync(KONG + 'anthropic/llm-v1-chat/responses/bad_upstream_response.json')))
    expect(e.code).toBe(llmErrors.failed.code)
    expect(e.status).toBe(500)
    expect(e.message).toBe("transformation failed from type anthropic://llm/v1/chat: 'content' not in anthropic://llm/v1/chat response")
  })

  it.for([
    ['tool_choice_auto', { type: 'auto' }],
    ['tool_choice_none', { type: 'none' }],
    ['tool_choice_required', { type: 'any' }],
    ['tool_choice_object_function', { type: 'tool', name: 'my_function' }],
  ] as const)('maps %s (03-anthropic "tool_choice conversion")', ([file, want]) => {
    const req = kongJson(`openai/llm-v1-chat/requests/${file}.json`)
    const out = encode({ ...req, model: 'claude-2.1' })
    expect(out.tool_choice).toEqual(want)
    for (const tool of out.tools ?? []) expect(tool).toMatchObject({ name: expect.any(String), input_schema: expect.anything() })
  })

  it('maps the multimodal request\'s image URL to a url image block', () => {
    const out = encode(kongJson('openai/llm-v1-chat/requests/good_multi_modal.json'))
    expect(out.system).toBe('You are a helpful assistant.')
    expect(out.messages[0].content).toEqual([
      { type: 'text', text: "What's in this image?" },
      { type: 'image', source: { type: 'url', url: expect.stringMatching(/^https:\/\/upload\.wikimedia\.org\//) } },
    ])
  })
})



