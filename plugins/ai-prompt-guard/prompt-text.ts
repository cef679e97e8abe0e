// The text the guard checks (Kong's guard-prompt filter), from the request in use: OpenAI's shape,
// after the decorator and after a native format's conversion. Messages are walked newest to
// oldest; `user` messages are checked (every role with match_all_roles), joined by one space, or
// only the newest one with allow_all_conversation_history. Without messages, a completions
// `prompt` string is the text. Anything else is a request the guard cannot read: null.
import type { LlmRequest } from '../llm/types.ts'

/**
 * A message's text: a string, or the text of content parts (`text`, and the Responses API's
 * `input_text`, as Kong 3.14 reads native formats' parts); other parts (images, audio) carry no
 * text to match. null when the content is neither.
 */
function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return null
  const texts: string[] = []
  for (const part of content as unknown[]) {
    if (part === null || typeof part !== 'object') return null
    const p = part as Record<string, unknown>
    if ((p.type === 'text' || p.type === 'input_text') && typeof p.text === 'string') texts.push(p.text)
  }
  return texts.join(' ')
}

export function promptText(req: LlmRequest | null, allRoles: boolean, newestOnly: boolean): string | null {
  if (req === null) return null
  const messages: unknown = req.messages
  if (Array.isArray(messages)) {
    const texts: string[] = []
    for (let i = messages.length - 1; i >= 0; i--) {
      const m: unknown = messages[i]
      if (m === null || typeof m !== 'object') return null
      const { role, content } = m as Record<string, unknown>
      if (typeof role !== 'string') return null
      if (role !== 'user' && !allRoles) continue
      const text = contentText(content)
      if (text === null) return null
      texts.push(text)
      if (newestOnly) break
    }
    return texts.join(' ')
  }
  return typeof req.prompt === 'string' ? req.prompt : null
}
