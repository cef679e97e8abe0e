// OpenAI chat request → Bedrock Converse request (Kong's to_bedrock_chat_openai, with the
// back-ported fixes: several tool calls per turn, consecutive tool results in one message,
// non-JSON tool results as text, structured output through a forced tool).
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
import { llmErrors } from '../../errors.ts'
import { withExtraBody } from '../extra-body.ts'
import type { ChatMessage, ContentPart, DriverContext, LlmRequest } from '../../types.ts'
import { ownTable } from '../../../../core/safe-merge.ts'

/** Kong's tool name for structured output; the answer's call to it becomes the message content. */
export const STRUCTURED_OUTPUT_TOOL = 'kong_inc_to_structured_output'

// Kong's Lua patterns (`amazon.titan.-.*`, ...) as regexes: these models refuse a system prompt.
const NO_SYSTEM_PROMPT = /amazon.titan|cohere.command.*?text|mistral.mistral.*?7b.*?instruct|mistral.mixtral.*?8x7b.*?instruct/

type Json = Record<string, unknown>

/** A conversion failure: Kong's 400 `error transforming to bedrock://<route>: <why>`. */
function fail(ctx: DriverContext, why: string): never {
  throw llmErrors.badRequest(`error transforming to bedrock://${ctx.route}: ${why}`)
}

const IMAGE_FORMATS = ownTable<string>({ png: 'png', jpeg: 'jpeg', jpg: 'jpeg', gif: 'gif', webp: 'webp' })

function imageBlock(url: string, ctx: DriverContext): Json {
  const data = /^data:image\/([a-z]+);base64,(.*)$/s.exec(url)
  if (data !== null) {
    const format = IMAGE_FORMATS[data[1]]
    if (format === undefined) fail(ctx, `image format '${data[1]}' is not supported by Bedrock`)
    return { image: { format, source: { bytes: data[2] } } }
  }
  if (url.startsWith('s3://')) {
    const format = IMAGE_FORMATS[url.slice(url.lastIndexOf('.') + 1).toLowerCase()]
    if (format === undefined) fail(ctx, `cannot tell the image format of '${url}'`)
    return { image: { format, source: { s3Location: { uri: url } } } }
  }
  return fail(ctx, 'Bedrock takes images as base64 data URIs or s3:// locations only')
}

/** OpenAI content parts → Converse content blocks; blocks already in Converse shape (no `type`) pass. */
function contentBlocks(content: ContentPart[], ctx: DriverContext): unknown[] {
  const out: unknown[] = []
  for (const part of content) {
    const type = (part as { type?: string }).type
    if (type === undefined) out.push(part)
    else if (type === 'text') out.push({ text: (part as { text: string }).text })
    else if (type === 'image_url') {
      const url = (part as { image_url?: { url?: string } }).image_url?.url
      if (typeof url !== 'string') fail(ctx, "message part type is 'image_url' but is missing .image_url.url block")
      out.push(imageBlock(url, ctx))
    } else fail(ctx, `cannot transform part of type '${type}' to Bedrock format`)
  }
  return out
}

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  let text = ''
  for (const part of content) {
    const type = (part as { type?: string }).type
    if (type === 'text' || type === undefined) text += (part as { text?: string }).text ?? ''
  }
  return text
}

/** A tool's answer: a JSON object as `json`, any other JSON value wrapped, anything else as text. */
function toolResultContent(content: ChatMessage['content']): Json {
  const text = textOf(content)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { text }
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { json: value }
  return { json: { result: value } }
}

function toolUseBlocks(msg: ChatMessage, ctx: DriverContext): Json[] {
  const blocks: Json[] = []
  for (const call of msg.tool_calls!) {
    const args = call.function?.arguments
    let input: unknown = {}
    if (typeof args === 'string' && args !== '') {
      try {
        input = JSON.parse(args)
      } catch {
        fail(ctx, "failed to decode function response arguments from assistant's message, not JSON format")
      }
    } else if (args !== null && typeof args === 'object') input = args
    blocks.push({ toolUse: { toolUseId: call.id, name: call.function?.name, input } })
  }
  return blocks
}

function messagesOf(req: LlmRequest, ctx: DriverContext): { system: Json[]; messages: Json[] } {
  const system: Json[] = []
  const messages: Json[] = []
  let lastWasTool = false
  for (const msg of req.messages ?? []) {
    const role = msg.role
    if (role === 'system' || role === 'developer') {
      if (Array.isArray(msg.content)) system.push(...(contentBlocks(msg.content, ctx) as Json[]))
      else system.push({ text: msg.content ?? '' })
      lastWasTool = false
      continue
    }
    if (role === 'tool') {
      const block: Json = { toolResult: { toolUseId: msg.tool_call_id, content: [toolResultContent(msg.content)], status: msg.status } }
      // Bedrock wants every result of one assistant turn in a single user message
      if (lastWasTool) (messages[messages.length - 1].content as Json[]).push(block)
      else messages.push({ role: 'user', content: [block] })
      lastWasTool = true
      continue
    }
    lastWasTool = false
    let content: unknown[]
    if (Array.isArray(msg.content)) content = contentBlocks(msg.content, ctx)
    else if (Array.isArray(msg.tool_calls) && msg.tool_calls.length > 0) content = msg.content ? [{ text: msg.content }] : []
    else content = [{ text: msg.content ?? '' }]
    if (Array.isArray(msg.tool_calls) && msg.tool_calls.length > 0) content.push(...toolUseBlocks(msg, ctx))
    messages.push({ role: role === 'assistant' ? 'assistant' : 'user', content })
  }
  return { system, messages }
}

function toolConfigOf(req: LlmRequest): Json | undefined {
  const legacy = (req.bedrock as { toolConfig?: Json } | undefined)?.toolConfig
  let config: Json | undefined = legacy !== undefined ? { ...legacy } : undefined
  if (Array.isArray(req.tools) && req.tools.length > 0) {
    const tools: Json[] = []
    for (const t of req.tools) {
      if (t.function === undefined) continue
      tools.push({
        toolSpec: {
          name: t.function.name,
          description: t.function.description,
          inputSchema: { json: t.function.parameters ?? { type: 'object', properties: {} } },
        },
      })
    }
    config = { ...config, tools }
    const choice = req.tool_choice
    if (choice === 'auto') config.toolChoice = { auto: {} }
    else if (choice === 'required') config.toolChoice = { any: {} }
    else if (choice !== null && typeof choice === 'object') {
      const name = (choice as { function?: { name?: string } }).function?.name
      if (typeof name === 'string') config.toolChoice = { tool: { name } }
    }
  }
  const schema = req.response_format?.json_schema?.schema
  if (schema !== null && typeof schema === 'object') {
    const tools = Array.isArray(config?.tools) ? [...(config.tools as Json[])] : []
    tools.push({ toolSpec: { name: STRUCTURED_OUTPUT_TOOL, description: 'Responds with strict structured output.', inputSchema: { json: schema } } })
    config = { ...config, tools, toolChoice: { tool: { name: STRUCTURED_OUTPUT_TOOL } } }
  }
  return config
}

/**
 * The Converse body for an OpenAI chat request, with the tuning fields as the pipeline merged them
 * (model.options are its defaults, not merged again here); `top_k` has no Converse field.
 */
export function toConverse(req: LlmRequest, ctx: DriverContext): Json {
  if (ctx.route !== 'llm/v1/chat') throw llmErrors.badRequest(`no transformer for bedrock://${ctx.route}`)
  const options = ctx.model.options
  const body: Json = {
    // Kong always sends it (fixture unit/expected-requests/bedrock); Converse ignores it
    anthropic_version: options.anthropic_version ?? 'bedrock-2023-05-31',
  }

  const { system, messages } = messagesOf(req, ctx)
  if (system.length > 0) {
    const name = ctx.model.name ?? ''
    if (NO_SYSTEM_PROMPT.test(name)) fail(ctx, `system prompts are unsupported for model '${name}`)
    body.system = system
  }
  body.messages = messages

  const inference: Json = {}
  // tuning as the pipeline merged it (request wins, model.options are defaults): no second merge here
  const maxTokens = req.max_tokens ?? req.max_completion_tokens
  if (maxTokens != null) inference.maxTokens = maxTokens
  if (req.stop != null) inference.stopSequences = typeof req.stop === 'string' ? [req.stop] : req.stop
  const temperature = req.temperature
  if (temperature != null) inference.temperature = temperature
  const topP = req.top_p
  if (topP != null) inference.topP = topP
  body.inferenceConfig = inference

  if (req.guardrailConfig !== undefined) body.guardrailConfig = req.guardrailConfig
  const toolConfig = toolConfigOf(req)
  if (toolConfig !== undefined) body.toolConfig = toolConfig
  const additional = (req.bedrock as { additionalModelRequestFields?: unknown } | undefined)?.additionalModelRequestFields ?? req.additionalModelRequestFields
  if (additional !== undefined) body.additionalModelRequestFields = additional

  const latency = options.bedrock?.performance_config_latency
  if (latency) body.performanceConfig = { latency }
  else if (req.performanceConfig !== undefined) body.performanceConfig = req.performanceConfig

  // `extra_body` fields go to the top level; objects merge one level deep (extra inferenceConfig keys)
  return withExtraBody(body, req.extra_body, 1)
}
