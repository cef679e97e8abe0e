// The text a request is cached under (Kong's search-cache filter): the last `message_countback`
// messages, newest first, each `<role>: <content>\n\n`, a non-string content JSON-encoded. User
// messages always count; system, assistant and tool ones unless their ignore_* is set; other roles
// never. The cache key is the SHA-256 of this text, so the key holds nothing of the prompt.
import { createHash } from 'node:crypto'

export interface PromptRules {
  readonly countback: number
  readonly system: boolean
  readonly assistant: boolean
  readonly tool: boolean
}

/**
 * The most text embedded or hashed: embeddings APIs refuse inputs past ~8k tokens (OpenAI 8192),
 * so a longer prompt would fail there anyway; it is answered by the provider, not cached.
 */
export const MAX_PROMPT_CHARS = 64 * 1024

function counts(role: unknown, r: PromptRules): boolean {
  switch (role) {
    case 'user': return true
    case 'system': return r.system
    case 'assistant': return r.assistant
    case 'tool': return r.tool
    default: return false
  }
}

/** The text for `messages`; '' when no message in the window counts; null when over MAX_PROMPT_CHARS. */
export function promptText(messages: readonly unknown[], r: PromptRules): string | null {
  let text = ''
  const last = messages.length - 1
  for (let i = last; i >= 0 && i > last - r.countback; i--) {
    const m = messages[i]
    if (m === null || typeof m !== 'object') continue
    const role = Object.getOwnPropertyDescriptor(m, 'role')?.value
    if (!counts(role, r)) continue
    const content: unknown = Object.getOwnPropertyDescriptor(m, 'content')?.value
    text += `${role as string}: ${typeof content === 'string' ? content : JSON.stringify(content ?? null)}\n\n`
    if (text.length > MAX_PROMPT_CHARS) return null
  }
  return text
}

export const cacheKey = (text: string): string => createHash('sha256').update(text).digest('hex')
