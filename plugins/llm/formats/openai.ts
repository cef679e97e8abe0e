// llm_format `openai`: the identity client format. The stages skip it entirely (an OpenAI body is
// already the internal shape); it is registered so the registry lists every llm_format.
import type { ClientFormat } from '../types.ts'

export const openaiFormat: ClientFormat = {
  id: 'openai',
  nativeFor: () => false,
  parseRequest: (body) => {
    const b = body as Record<string, unknown>
    return { request: b, model: typeof b.model === 'string' ? b.model : null, stream: b.stream === true }
  },
  encodeResponse: (openai) => JSON.stringify(openai),
  streamEncoder: () => ({
    push: (chunk) => Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`),
    end: () => Buffer.from('data: [DONE]\n\n'),
  }),
}
