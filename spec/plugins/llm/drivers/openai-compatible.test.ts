// The OpenAI-shaped drivers through the driver conformance suite: openai, azure, and the
// table-driven OpenAI-compatible providers (cerebras, xai, deepseek, dashscope, databricks, vllm).
// The project's own recordings in spec/fixtures/ai-proxy/openai/ are the answers.
import { readFileSync } from 'node:fs'
import { describeDriver, type ContextOptions, type DriverSuite } from './driver.case.ts'
import * as rec from '../transcoders/recordings.ts'
import { openai } from '../../../../plugins/llm/drivers/openai.ts'
import { azure } from '../../../../plugins/llm/drivers/azure.ts'
import { openAiCompatible } from '../../../../plugins/llm/drivers/openai-compatible.ts'
import type { DriverContext, ModelOptions, ProviderDriver } from '../../../../plugins/llm/types.ts'

const fixture = (path: string) => readFileSync(new URL(`../../../fixtures/ai-proxy/openai/${path}`, import.meta.url), 'utf8')
const CHAT_REQUEST = JSON.parse(fixture('llm-v1-chat/requests/good.json'))
const CHAT_ANSWER = fixture('llm-v1-chat/responses/good.json')
const COMPLETIONS_REQUEST = JSON.parse(fixture('llm-v1-completions/requests/good.json'))
const COMPLETIONS_ANSWER = fixture('llm-v1-completions/responses/good.json')
const EMBEDDINGS_ANSWER = fixture('llm-v1-embeddings/responses/good.json')
const usageOf = (answer: string) => {
  const u = JSON.parse(answer).usage
  return { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens ?? 0, total_tokens: u.total_tokens }
}
const usage = (prompt: number, completion: number) => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion })

function adapter(driver: ProviderDriver, options: ModelOptions, model = 'gpt-4o') {
  return (c: ContextOptions): DriverContext => {
    const { name, ...rest } = c.ctx ?? {}
    return {
      route: c.route ?? 'llm/v1/chat', model: { provider: driver.id, name: name === undefined ? model : name ?? undefined, options: { ...options, ...c.options } },
      stream: c.stream ?? false, clientPath: '/', clientQuery: '', ...rest,
    }
  }
}

/** The answers every OpenAI-shaped driver passes through unchanged, and the errors it maps. */
function passthrough(id: string): Pick<DriverSuite, 'responses' | 'errors'> {
  return {
    responses: [
      { name: 'a chat answer passes through, usage and model read', answer: CHAT_ANSWER, openai: null, usage: usageOf(CHAT_ANSWER), model: 'gpt-3.5-turbo-0125' },
    ],
    errors: [
      { name: "an answer without choices: Kong's 500", answer: { id: 'x' }, status: 500, message: `transformation failed from type ${id}://llm/v1/chat: 'choices' not in llm/v1/chat response` },
      { name: 'an answer that is not JSON: 500', answer: fixture('llm-v1-chat/responses/internal_server_error.html'), status: 500,
        message: `transformation failed from type ${id}://llm/v1/chat: failed to decode response body` },
    ],
  }
}

describeDriver('openai', {
  driver: openai,
  ctx: adapter(openai, {}),
  requests: [
    { name: 'chat → api.openai.com, the client body unchanged', request: CHAT_REQUEST, url: 'https://api.openai.com:443/v1/chat/completions', body: null },
    { name: 'completions → /v1/completions', route: 'llm/v1/completions', request: COMPLETIONS_REQUEST, url: 'https://api.openai.com:443/v1/completions', body: null },
    { name: 'embeddings → /v1/embeddings', route: 'llm/v1/embeddings', request: { input: 'x', model: 'text-embedding-3-small' }, url: 'https://api.openai.com:443/v1/embeddings', body: null },
    { name: 'top_k is not an OpenAI parameter: dropped', request: { ...CHAT_REQUEST, top_k: 3 }, url: 'https://api.openai.com:443/v1/chat/completions', body: CHAT_REQUEST },
    { name: 'reasoning models take max_completion_tokens', request: { ...CHAT_REQUEST, model: 'o3-mini', max_tokens: 9 }, url: 'https://api.openai.com:443/v1/chat/completions',
      body: { ...CHAT_REQUEST, model: 'o3-mini', max_completion_tokens: 9 } },
    { name: 'an API route: the resource path, the body as it came', route: 'llm/v1/files', ctx: { clientPath: '/openai/files/file-1' }, request: {},
      url: 'https://api.openai.com:443/v1/files/file-1', body: null },
  ],
  responses: [
    ...passthrough('openai').responses,
    { name: 'a completions answer', route: 'llm/v1/completions', answer: COMPLETIONS_ANSWER, openai: null, usage: usageOf(COMPLETIONS_ANSWER) },
    { name: 'an embeddings answer (no choices needed)', route: 'llm/v1/embeddings', answer: EMBEDDINGS_ANSWER, openai: null, usage: usageOf(EMBEDDINGS_ANSWER) },
  ],
  errors: passthrough('openai').errors,
  streams: [{ name: 'openai passthrough', context: { ctx: { name: 'gpt-4o-mini' } }, model: 'gpt-4o-mini', recordings: [
    { name: 'text with usage', input: rec.openAiStream, usage: usage(9, 5) },
    { name: 'tool call', input: rec.openAiTools, usage: usage(20, 8) },
    { name: 'no [DONE]', input: rec.openAiNoDone },
    { name: 'error midway', input: rec.openAiError, error: true },
    { name: 'responses API', input: rec.responsesStream, usage: usage(3, 2) },
  ] }],
})

const AZURE = { azure_instance: 'res', azure_deployment_id: 'dep', azure_api_version: '2024-10-21' }

describeDriver('azure', {
  driver: azure,
  ctx: adapter(azure, AZURE),
  requests: [
    { name: 'chat → the deployment, api-version from the options', request: CHAT_REQUEST,
      url: 'https://res.openai.azure.com:443/openai/deployments/dep/chat/completions?api-version=2024-10-21', body: null },
    { name: "the client's api-version wins, its other query parameters kept", ctx: { clientQuery: 'a=1&api-version=2025-01-01' }, request: CHAT_REQUEST,
      url: 'https://res.openai.azure.com:443/openai/deployments/dep/chat/completions?a=1&api-version=2025-01-01', body: null },
    { name: 'embeddings → the deployment', route: 'llm/v1/embeddings', request: { input: 'x' },
      url: 'https://res.openai.azure.com:443/openai/deployments/dep/embeddings?api-version=2024-10-21', body: null },
    { name: 'responses: the v1 API', route: 'llm/v1/responses', ctx: { clientPath: '/responses' }, request: { input: 'x' },
      url: 'https://res.openai.azure.com:443/openai/v1/responses?api-version=2024-10-21', body: null },
  ],
  ...passthrough('azure'),
})

const COMPATIBLE: Record<string, { options: ModelOptions; chat: string; embeddings?: string }> = {
  cerebras: { options: {}, chat: 'https://api.cerebras.ai:443/v1/chat/completions' },
  xai: { options: {}, chat: 'https://api.x.ai:443/v1/chat/completions' },
  deepseek: { options: {}, chat: 'https://api.deepseek.com:443/v1/chat/completions' },
  dashscope: { options: {}, chat: 'https://dashscope-intl.aliyuncs.com:443/compatible-mode/v1/chat/completions', embeddings: 'https://dashscope-intl.aliyuncs.com:443/compatible-mode/v1/embeddings' },
  databricks: { options: { databricks: { workspace_instance_id: 'ws1' } }, chat: 'https://ws1.cloud.databricks.com:443/serving-endpoints/v1/chat/completions' },
  vllm: { options: { upstream_url: 'http://127.0.0.1:1/v1/chat/completions' }, chat: 'https://invalid:443/v1/chat/completions', embeddings: 'https://invalid:443/v1/embeddings' },
}

for (const driver of openAiCompatible.filter((d) => d.id !== 'mistral')) {
  const row = COMPATIBLE[driver.id]!
  describeDriver(driver.id, {
    driver,
    ctx: adapter(driver, row.options),
    requests: [
      { name: 'chat: the client body unchanged', request: CHAT_REQUEST, url: row.chat, body: null },
      ...(row.embeddings ? [{ name: 'embeddings', route: 'llm/v1/embeddings' as const, request: { input: 'x' }, url: row.embeddings, body: null }] : []),
    ],
    ...passthrough(driver.id),
  })
}

describeDriver('dashscope (mainland)', {
  driver: openAiCompatible.find((d) => d.id === 'dashscope')!,
  ctx: adapter(openAiCompatible.find((d) => d.id === 'dashscope')!, { dashscope: { international: false } }),
  requests: [{ name: 'international false: the mainland host', request: CHAT_REQUEST, url: 'https://dashscope.aliyuncs.com:443/compatible-mode/v1/chat/completions', body: null }],
  responses: [],
  errors: [],
})

describeDriver('databricks (stream_options)', {
  driver: openAiCompatible.find((d) => d.id === 'databricks')!,
  ctx: adapter(openAiCompatible.find((d) => d.id === 'databricks')!, COMPATIBLE.databricks!.options),
  requests: [{ name: 'stream_options is not forwarded', request: { ...CHAT_REQUEST, stream: true, stream_options: { include_usage: true } },
    url: COMPATIBLE.databricks!.chat, body: { ...CHAT_REQUEST, stream: true } }],
  responses: [],
  errors: [],
})
