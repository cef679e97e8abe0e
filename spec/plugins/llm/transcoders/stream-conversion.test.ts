// Every driver's stream conversion through the shared suite (stream-conversion.case.ts).
import { describeStreamConversion } from './stream-conversion.case.ts'
import * as rec from './recordings.ts'
import type { DriverContext, ModelOptions, ProviderDriver, RouteType } from '../../../../plugins/llm/types.ts'
import { anthropicDriver } from '../../../../plugins/llm/drivers/anthropic.ts'
import { bedrockDriver } from '../../../../plugins/llm/drivers/bedrock.ts'
import { geminiDriver } from '../../../../plugins/llm/drivers/gemini.ts'
import { cohereDriver } from '../../../../plugins/llm/drivers/cohere.ts'
import { ollamaDriver } from '../../../../plugins/llm/drivers/ollama.ts'
import { huggingfaceDriver } from '../../../../plugins/llm/drivers/huggingface.ts'
import { llama2Driver } from '../../../../plugins/llm/drivers/llama2.ts'
import { mistralDriver } from '../../../../plugins/llm/drivers/mistral.ts'
import { openai } from '../../../../plugins/llm/drivers/openai.ts'

function ctx(provider: string, name: string | undefined, route: RouteType = 'llm/v1/chat', options: ModelOptions = {}): DriverContext {
  return { route, model: { provider, name, options }, stream: true, clientPath: '/', clientQuery: '' }
}
const of = (driver: ProviderDriver, c: DriverContext) => () => driver.stream(c)
const usage = (prompt: number, completion: number, total = prompt + completion) => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: total })

describeStreamConversion('anthropic', {
  create: of(anthropicDriver, ctx('anthropic', 'claude-2.1')),
  model: 'claude-2.1',
  recordings: [
    { name: 'text', input: rec.anthropicChat, usage: usage(15, 9) },
    { name: 'tools', input: rec.anthropicTools },
    { name: 'error midway', input: rec.anthropicError, error: true },
  ],
})
describeStreamConversion('anthropic completions', {
  create: of(anthropicDriver, ctx('anthropic', 'claude-2.1', 'llm/v1/completions')),
  recordings: [{ name: 'legacy complete', input: rec.anthropicComplete }],
})
describeStreamConversion('bedrock', {
  create: of(bedrockDriver, ctx('bedrock', 'anthropic.claude-3-haiku-20240307-v1:0')),
  recordings: [
    { name: 'text and tool', input: rec.bedrockText, usage: usage(5, 7, 12) },
    { name: 'exception midway', input: rec.bedrockError, error: true },
  ],
})
describeStreamConversion('gemini', {
  create: of(geminiDriver, ctx('gemini', 'gemini-2.0-flash')),
  recordings: [
    { name: 'json array', input: rec.geminiArray, usage: usage(5, 11, 16) },
    { name: 'text', input: rec.geminiText, usage: usage(5, 3, 8) },
    { name: 'sse', input: rec.geminiSse, usage: usage(5, 3, 8) },
    { name: 'error midway', input: rec.geminiError, error: true },
  ],
})
describeStreamConversion('gemini completions', {
  create: of(geminiDriver, ctx('gemini', 'gemini-2.0-flash', 'llm/v1/completions')),
  recordings: [{ name: 'text', input: rec.geminiText, usage: usage(5, 3, 8) }],
})
describeStreamConversion('cohere', {
  create: of(cohereDriver, ctx('cohere', 'command')),
  recordings: [{ name: 'chat', input: rec.cohereStream, usage: usage(57, 123) }],
})
describeStreamConversion('cohere completions', {
  create: of(cohereDriver, ctx('cohere', 'command', 'llm/v1/completions')),
  recordings: [{ name: 'generate', input: rec.cohereStream, usage: usage(57, 123) }],
})
describeStreamConversion('ollama', {
  create: of(ollamaDriver, ctx('ollama', 'llama3')),
  recordings: [
    { name: 'chat', input: rec.ollamaStream, usage: usage(26, 12) },
    { name: 'error midway', input: rec.ollamaError, error: true },
  ],
})
describeStreamConversion('ollama completions', {
  create: of(ollamaDriver, ctx('ollama', 'llama3', 'llm/v1/completions', { max_tokens: 2 })),
  recordings: [{ name: 'generate', input: rec.ollamaGenerate, usage: usage(6, 2) }],
})
describeStreamConversion('mistral (ollama format)', {
  create: of(mistralDriver, ctx('mistral', 'mistral-tiny', 'llm/v1/chat', { mistral_format: 'ollama' })),
  recordings: [{ name: 'chat', input: rec.ollamaStream, usage: usage(26, 12) }],
})
describeStreamConversion('huggingface completions (TGI)', {
  create: of(huggingfaceDriver, ctx('huggingface', 'mistralai/Mistral-7B-Instruct-v0.2', 'llm/v1/completions')),
  recordings: [
    { name: 'generate_stream', input: rec.tgiStream, usage: usage(0, 2) },
    { name: 'error midway', input: rec.tgiError, error: true },
  ],
})
describeStreamConversion('llama2 raw (TGI)', {
  create: of(llama2Driver, ctx('llama2', 'llama2', 'llm/v1/chat', { llama2_format: 'raw', upstream_url: 'http://127.0.0.1:1/' })),
  recordings: [{ name: 'generate_stream', input: rec.tgiStream, usage: usage(0, 2) }],
})
describeStreamConversion('llama2 (ollama format)', {
  create: of(llama2Driver, ctx('llama2', 'llama2', 'llm/v1/chat', { llama2_format: 'ollama', upstream_url: 'http://127.0.0.1:1/' })),
  recordings: [{ name: 'chat', input: rec.ollamaStream, usage: usage(26, 12) }],
})
describeStreamConversion('openai passthrough', {
  create: of(openai, ctx('openai', 'gpt-4o-mini')),
  model: 'gpt-4o-mini',
  recordings: [
    { name: 'text with usage', input: rec.openAiStream, usage: usage(9, 5) },
    { name: 'tool call', input: rec.openAiTools, usage: usage(20, 8) },
    { name: 'no [DONE]', input: rec.openAiNoDone },
    { name: 'error midway', input: rec.openAiError, error: true },
    { name: 'responses API', input: rec.responsesStream, usage: usage(3, 2) },
  ],
})
describeStreamConversion('huggingface chat (router, OpenAI SSE)', {
  create: of(huggingfaceDriver, ctx('huggingface', 'mistralai/Mistral-7B-Instruct-v0.2')),
  recordings: [{ name: 'text with usage', input: rec.openAiStream, usage: usage(9, 5) }],
})
