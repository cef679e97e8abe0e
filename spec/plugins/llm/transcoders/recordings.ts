// Recorded provider streams for the stream-conversion suite: the project's own fixtures
// (spec/fixtures/ai-proxy) and the stream data of the driver tests, one place for all drivers.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { encodeAwsEvent, encodeAwsException } from '../../../../plugins/llm/transcoders/aws-event-stream.ts'

const FIXTURES = fileURLToPath(new URL('../../../fixtures/ai-proxy/', import.meta.url))
const fixture = (path: string): Buffer => readFileSync(FIXTURES + path)
const ndjson = (values: unknown[]): Buffer => Buffer.from(values.map((v) => JSON.stringify(v)).join('\n') + '\n')
const sse = (values: unknown[], done = true): Buffer =>
  Buffer.from(values.map((v) => `data: ${JSON.stringify(v)}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : ''))

export const anthropicChat = fixture('anthropic/stream/llm-v1-chat.txt')
export const anthropicTools = fixture('anthropic/stream/llm-v1-chat-tools.txt')
export const anthropicError = Buffer.from(
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"claude-2.1","usage":{"input_tokens":4,"output_tokens":1}}}\n\n'
  + 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hé"}}\n\n'
  + 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
)
/** the legacy /v1/complete stream */
export const anthropicComplete = Buffer.from(
  'event: completion\ndata: {"type":"completion","completion":" Hello","stop_reason":null,"model":"claude-2.1"}\n\n'
  + 'event: completion\ndata: {"type":"completion","completion":" wörld","stop_reason":"stop_sequence","model":"claude-2.1"}\n\n',
)

export const bedrockText = Buffer.concat([
  encodeAwsEvent('messageStart', { role: 'assistant' }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hé' } }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'llo 🌍' } }),
  encodeAwsEvent('contentBlockStop', { contentBlockIndex: 0 }),
  encodeAwsEvent('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tu1', name: 'add' } } }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"a":' } } }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '1}' } } }),
  encodeAwsEvent('contentBlockStop', { contentBlockIndex: 1 }),
  encodeAwsEvent('messageStop', { stopReason: 'tool_use' }),
  encodeAwsEvent('metadata', { usage: { inputTokens: 5, outputTokens: 7, totalTokens: 12 }, metrics: { latencyMs: 9 } }),
])
export const bedrockError = Buffer.concat([
  encodeAwsEvent('messageStart', { role: 'assistant' }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hé' } }),
  encodeAwsException('throttlingException', 'Too many tokens, please wait'),
])

const geminiElements = [
  { candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] } }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1, totalTokenCount: 6 }, responseId: 'r1' },
  { candidates: [{ content: { role: 'model', parts: [{ text: 'lo wörld 🎉' }] } }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 3, totalTokenCount: 8 } },
  { candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'add', args: { a: 2, b: 12 } } }] }, finishReason: 'STOP' }],
    usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 9, thoughtsTokenCount: 2, totalTokenCount: 16 } },
]
export const geminiArray = Buffer.from(`[${geminiElements.map((e) => JSON.stringify(e, null, 1)).join(',\r\n')}]`)
export const geminiText = Buffer.from(`[${geminiElements.slice(0, 2).map((e, i) => JSON.stringify(i === 1 ? { ...e, candidates: [{ ...e.candidates[0], finishReason: 'STOP' }] } : e)).join(',')}]`)
export const geminiSse = sse(geminiElements.slice(0, 2), false)
export const geminiError = Buffer.from(`[${JSON.stringify(geminiElements[0])},{"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}]`)

export const cohereStream = ndjson([
  { is_finished: false, event_type: 'stream-start', generation_id: 'g-1' },
  { is_finished: false, event_type: 'text-generation', text: '1 + 1' },
  { is_finished: false, event_type: 'text-generation', text: ' = 2 — ✓' },
  { is_finished: true, event_type: 'stream-end', finish_reason: 'COMPLETE', response: { meta: { billed_units: { input_tokens: 57, output_tokens: 123 } } } },
])

export const ollamaStream = ndjson([
  { model: 'llama3', created_at: '2024-01-01T00:00:00Z', message: { role: 'assistant', content: 'Héllo' }, done: false },
  { model: 'llama3', created_at: '2024-01-01T00:00:00Z', message: { role: 'assistant', content: ' wörld 🎉' }, done: false },
  { model: 'llama3', created_at: '2024-01-01T00:00:01Z', message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', prompt_eval_count: 26, eval_count: 12 },
])
export const ollamaGenerate = ndjson([
  { model: 'llama3', created_at: '2024-01-01T00:00:00Z', response: 'Deux', done: false },
  { model: 'llama3', created_at: '2024-01-01T00:00:01Z', response: ' — 2', done: true, done_reason: 'length', prompt_eval_count: 6, eval_count: 2 },
])
export const ollamaError = Buffer.from(JSON.stringify({ model: 'llama3', message: { role: 'assistant', content: 'Hé' }, done: false }) + '\n{"error":"model crashed"}\n')

export const tgiStream = Buffer.from(
  'data:{"index":1,"token":{"id":1,"text":"Ça","special":false},"generated_text":null,"details":null}\n\n'
  + 'data:{"index":2,"token":{"id":2,"text":" va","special":false},"generated_text":"Ça va","details":{"finish_reason":"length","generated_tokens":2}}\n\n',
)
export const tgiError = Buffer.from(
  'data:{"index":1,"token":{"id":1,"text":"Ça","special":false},"generated_text":null,"details":null}\n\n'
  + 'data:{"error":"Request failed during generation: Server error: CUDA out of memory","error_type":"generation"}\n\n',
)

const openAiChunk = (delta: unknown, finish: string | null = null, extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-9', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4o-mini',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra,
})
export const openAiStream = sse([
  openAiChunk({ role: 'assistant', content: '' }),
  openAiChunk({ content: 'The answer' }),
  openAiChunk({ content: ' is 2 — ✓.' }),
  openAiChunk({}, 'stop'),
  { ...openAiChunk({}), choices: [], usage: { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 } },
])
export const openAiTools = sse([
  openAiChunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'add', arguments: '' } }] }),
  openAiChunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":2,' } }] }),
  openAiChunk({ tool_calls: [{ index: 0, function: { arguments: '"b":12}' } }] }),
  openAiChunk({}, 'tool_calls', { usage: { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 } }),
])
/** an upstream that stops without [DONE] */
export const openAiNoDone = sse([openAiChunk({ content: 'cut' }), openAiChunk({}, 'length')], false)
export const openAiError = sse([openAiChunk({ content: 'Hé' }), { error: { message: 'The server had an error while processing your request.', type: 'server_error' } }], false)
export const responsesStream = sse([
  { type: 'response.created', response: { id: 'resp_1', model: 'gpt-4o', status: 'in_progress' } },
  { type: 'response.output_text.delta', delta: 'Hi ' },
  { type: 'response.output_text.delta', delta: 'wörld' },
  { type: 'response.completed', response: { id: 'resp_1', model: 'gpt-4o-2024', status: 'completed', usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 } } },
], false)
