// llm_format gemini: native generateContent requests → the OpenAI shape (Kong's native fixtures),
// usage from native answers, and OpenAI answers encoded back for a gemini client.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { geminiFormat } from '../../../../plugins/llm/formats/gemini.ts'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'

const FIXTURES = KONG_FIXTURES + 'native/'
const json = (p: string) => JSON.parse(readFileSync(FIXTURES + p, 'utf8'))

/** Gemini has no call ids: compare without the ones we make up (Kong's test drops them too). */
function withoutIds(req: { messages?: Record<string, any>[] }) {
  for (const m of req.messages ?? []) {
    delete m.tool_call_id
    for (const c of m.tool_calls ?? []) delete c.id
  }
  return req
}

describe("gemini format: Kong's native fixtures", () => {
  it.each([
    ['generateContent', 'target/target-openai-complete.json'],
    ['streamGenerateContent', 'target/target-openai-complete-stream.json'],
  ])('with-functions-and-chatter via %s → %s', (op, target) => {
    const { request, model, stream } = geminiFormat.parseRequest(
      json('gemini/request/with-functions-and-chatter.json'),
      `/v1/projects/fake-project-010101/locations/us-central1/publishers/google/models/gemini-1.5-pro:${op}`,
    )
    expect(model).toBe('gemini-1.5-pro')
    expect(stream).toBe(op === 'streamGenerateContent')
    // tool_config → tool_choice is ours (Kong leaves it out of the OpenAI copy)
    expect(request.tool_choice).toBe('auto')
    const { tool_choice: _, ...rest } = request
    expect(withoutIds(rest as never)).toEqual(withoutIds(json(target)))
  })

  it('basic-chat, basic-multimodal and with-functions (contents as one object) parse', () => {
    const chat = geminiFormat.parseRequest(json('gemini/request/basic-chat.json'), '/v1beta/models/gemini-1.5-flash:generateContent').request
    expect(chat).toMatchObject({ max_tokens: 256, messages: [{ role: 'user', content: [{ type: 'text', text: 'What is 1 + 1?' }] }] })
    const mm = geminiFormat.parseRequest(json('gemini/request/basic-multimodal.json'), '/v1beta/models/gemini-1.5-flash:generateContent').request
    expect((mm.messages![0].content as { image_url?: { url: string } }[])[1].image_url!.url).toMatch(/^data:image\/jpeg;base64,iVBOR/)
    const fns = geminiFormat.parseRequest(json('gemini/request/with-functions.json'), '/v1beta/models/gemini-1.5-flash:generateContent').request
    expect(fns.messages).toHaveLength(2)
    expect(fns.tools).toHaveLength(3)
    expect(fns.tool_choice).toBe('auto')
  })
})

