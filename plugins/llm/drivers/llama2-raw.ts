// llama2 `raw` format (Kong llama2.lua to_raw / from_raw): the chat is flattened into Llama 2's
// `[INST]` prompt template and sent TGI-style (`inputs` + `parameters`); the answer is the text
// after the last `[/INST]` of `data[0].generated_text`.
// https://huggingface.co/blog/llama2#how-to-prompt-llama-2
import { llmErrors } from '../errors.ts'
import type { ChatMessage, DecodedResponse, DriverContext, LlmRequest, StreamTranscoder, TokenUsage } from '../types.ts'
import { TgiStreamTranscoder } from './huggingface.ts'
import { contentText } from './openai-shape.ts'

type Json = Record<string, unknown>

/**
 * Kong's messages_to_inst, quirks included: the first message is taken as the system prompt and the
 * second as the first question whatever their roles; later `system` messages close a turn
 * (`</s>`), later `user` messages open one, and assistant messages are left out.
 */
export function messagesToInst(messages: readonly ChatMessage[]): string {
  let s = ''
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]
    const c = contentText(m.content)
    if (i === 0) s += `<s>[INST] <<SYS>> ${c} <</SYS>>`
    else if (i === 1) s += ` ${c} [/INST]`
    else if (m.role === 'system') s += ` ${c} </s>`
    else if (m.role === 'user') s += ` <s>[INST] ${c} [/INST]`
  }
  return s
}

export function encodeRawRequest(req: LlmRequest, ctx: DriverContext): string {
  if (req.prompt !== undefined && req.messages !== undefined) {
    throw llmErrors.badRequest("cannot run raw 'prompt' and chat history 'messages' requests at the same time - refer to schema")
  }
  // tuning as the pipeline merged it (request wins, model.options are defaults): no second merge here
  const parameters = {
    max_new_tokens: req.max_tokens ?? req.max_completion_tokens,
    top_p: req.top_p,
    top_k: req.top_k,
    temperature: req.temperature,
    stream: req.stream ?? false,
  }
  let inputs: string | undefined
  if (req.messages) inputs = messagesToInst(req.messages)
  else if (req.prompt !== undefined) inputs = `<s> [INST] <<SYS>> You are a helpful assistant. <<SYS>> ${String(req.prompt)} [/INST]`
  return JSON.stringify({ inputs, parameters })
}

function failed(ctx: DriverContext, reason: string): never {
  throw llmErrors.failed(`transformation failed from type llama2://${ctx.route}: ${reason}`)
}

export function decodeRawResponse(body: Buffer, ctx: DriverContext): DecodedResponse {
  let res: unknown
  try { res = JSON.parse(body.toString('utf8')) } catch { return failed(ctx, 'failed to decode llama2 response') }
  // Kong reads `{data:[{generated_text}]}`; a bare TGI answer (`[{generated_text}]`) is accepted too
  const data = Array.isArray(res) ? res : (res as Json | null)?.data
  if (!Array.isArray(data) || data.length > 1) failed(ctx, 'cannot parse response from llama2 endpoint')
  const generated = (data[0] as Json | undefined)?.generated_text
  if (typeof generated !== 'string') failed(ctx, 'response data is empty from llama2 endpoint')
  const parts = generated.split('[/INST]')
  const answer = parts[parts.length - 1].trim()
  const out: Json = ctx.route === 'llm/v1/completions'
    ? { choices: [{ index: 0, text: answer }], object: 'text_completion' }
    : { choices: [{ message: { content: answer, role: 'assistant' }, index: 0 }], object: 'chat.completion' }
  let usage: TokenUsage | null = null
  const u = (res as Json).usage as Partial<TokenUsage> | undefined
  if (!Array.isArray(res) && u && typeof u === 'object') {
    out.usage = u
    const prompt = Number(u.prompt_tokens) || 0
    const completion = Number(u.completion_tokens) || 0
    usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: Number(u.total_tokens) || prompt + completion }
  }
  return { body: JSON.stringify(out), usage, model: ctx.model.name ?? null, parsed: out }
}

/** Kong has no stream transform for `raw`; TGI-style endpoints stream `generate_stream` SSE. */
export function rawStream(ctx: DriverContext): StreamTranscoder {
  return new TgiStreamTranscoder(ctx)
}
