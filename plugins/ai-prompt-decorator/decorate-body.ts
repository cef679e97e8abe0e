// The decorated body in the client's own format (Kong keeps the native body shape since
// 3.13.0.4/3.14.0.3): a native client whose provider speaks its format gets its own body forwarded,
// so the prompts must be written there, not only into the OpenAI view. Per format, where a
// message of each role goes:
// - openai, cohere v2 (`messages`): into `messages` as {role, content};
// - anthropic: system prompts as text blocks in `system`, the others into `messages`;
// - gemini: system prompts as parts of `systemInstruction`, the others into `contents` (assistant
//   = `model`), `parts: [{text}]`;
// - bedrock (Converse): system prompts as `{text}` in `system`, the others into `messages` with
//   `content: [{text}]`;
// - cohere v1 (`message` + `chat_history`): `chat_history` entries (SYSTEM, USER, CHATBOT), the
//   appended ones after the history, before the client's `message` (always the last turn);
// - huggingface (`inputs`, one text): the contents joined around it with blank lines (TGI's
//   generate has no roles).
// The client's own objects are kept as they are; every array and record on the way is a copy.
// null: the body has no chat to decorate in that format.
import { ownTable } from '../../core/safe-merge.ts'
import type { DecoratorMessage } from './schema.ts'

type Json = Record<string, unknown>
type Prompts = { readonly prepend: readonly DecoratorMessage[]; readonly append: readonly DecoratorMessage[] }

const list = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v])
const isSystem = (m: DecoratorMessage): boolean => m.role === 'system'
const plain = (m: DecoratorMessage): Json => ({ role: m.role, content: m.content })

function openai(body: Json, p: Prompts): Json | null {
  if (!Array.isArray(body.messages)) return null
  return { ...body, messages: [...p.prepend.map(plain), ...body.messages, ...p.append.map(plain)] }
}

function anthropic(body: Json, p: Prompts): Json | null {
  if (!Array.isArray(body.messages)) return null
  const block = (m: DecoratorMessage): Json => ({ type: 'text', text: m.content })
  const out: Json = { ...body }
  const pre = p.prepend.filter(isSystem).map(block)
  const post = p.append.filter(isSystem).map(block)
  if (pre.length + post.length > 0) {
    const was = body.system === undefined || body.system === null ? [] : typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : list(body.system)
    out.system = [...pre, ...was, ...post]
  }
  const turn = (m: DecoratorMessage): Json => ({ role: m.role, content: m.content })
  out.messages = [...p.prepend.filter((m) => !isSystem(m)).map(turn), ...body.messages, ...p.append.filter((m) => !isSystem(m)).map(turn)]
  return out
}

function gemini(body: Json, p: Prompts): Json | null {
  if (body.contents === undefined || body.contents === null) return null
  const text = (m: DecoratorMessage): Json => ({ text: m.content })
  const out: Json = { ...body }
  const pre = p.prepend.filter(isSystem).map(text)
  const post = p.append.filter(isSystem).map(text)
  if (pre.length + post.length > 0) {
    // Google's SDKs send camelCase, REST examples snake_case: keep the client's spelling
    const key = body.systemInstruction === undefined && body.system_instruction !== undefined ? 'system_instruction' : 'systemInstruction'
    const was = body[key]
    const wasParts = was !== null && typeof was === 'object' && !Array.isArray(was) ? list((was as Json).parts) : []
    out[key] = { ...(was !== null && typeof was === 'object' && !Array.isArray(was) ? was as Json : {}), parts: [...pre, ...wasParts, ...post] }
  }
  const turn = (m: DecoratorMessage): Json => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.content }] })
  out.contents = [...p.prepend.filter((m) => !isSystem(m)).map(turn), ...list(body.contents), ...p.append.filter((m) => !isSystem(m)).map(turn)]
  return out
}

function bedrock(body: Json, p: Prompts): Json | null {
  if (!Array.isArray(body.messages)) return null
  const text = (m: DecoratorMessage): Json => ({ text: m.content })
  const out: Json = { ...body }
  const pre = p.prepend.filter(isSystem).map(text)
  const post = p.append.filter(isSystem).map(text)
  if (pre.length + post.length > 0) out.system = [...pre, ...list(body.system), ...post]
  const turn = (m: DecoratorMessage): Json => ({ role: m.role, content: [{ text: m.content }] })
  out.messages = [...p.prepend.filter((m) => !isSystem(m)).map(turn), ...body.messages, ...p.append.filter((m) => !isSystem(m)).map(turn)]
  return out
}

const COHERE_V1_ROLES = { system: 'SYSTEM', user: 'USER', assistant: 'CHATBOT' } as const

function cohere(body: Json, p: Prompts): Json | null {
  if (Array.isArray(body.messages)) return openai(body, p)
  if (typeof body.message !== 'string') return null
  const entry = (m: DecoratorMessage): Json => ({ role: COHERE_V1_ROLES[m.role], message: m.content })
  return { ...body, chat_history: [...p.prepend.map(entry), ...list(body.chat_history), ...p.append.map(entry)] }
}

function huggingface(body: Json, p: Prompts): Json | null {
  if (typeof body.inputs !== 'string') return null
  return { ...body, inputs: [...p.prepend.map((m) => m.content), body.inputs, ...p.append.map((m) => m.content)].join('\n\n') }
}

const BY_FORMAT = ownTable<(body: Json, p: Prompts) => Json | null>({ openai, anthropic, gemini, bedrock, cohere, huggingface })

/** The body with the prompts added, in `llmFormat`'s shape; null when it holds no chat. */
export function decorateBody(llmFormat: string, body: Json, p: Prompts): Json | null {
  const f = BY_FORMAT[llmFormat]
  return f === undefined ? null : f(body, p)
}
