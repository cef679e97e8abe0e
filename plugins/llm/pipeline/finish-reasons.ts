// The finish reasons an answer names (OpenAI's `finish_reason`, Anthropic's `stop_reason`,
// Gemini's `finishReason`), in order, read from the answer's text without parsing it: what a
// GenAI span reports as gen_ai.response.finish_reasons. Capped: a hostile answer with thousands
// of choices yields the first few.
const KEYS = ['"finish_reason"', '"stop_reason"', '"finishReason"']
const VALUE = /^\s*:\s*"((?:[^"\\]|\\.){1,64})"/
const MAX_REASONS = 16

export function finishReasonsOf(text: string): string[] {
  const out: string[] = []
  for (const key of KEYS) {
    let at = text.indexOf(key)
    while (at >= 0 && out.length < MAX_REASONS) {
      const m = VALUE.exec(text.slice(at + key.length, at + key.length + 80))
      if (m) out.push(m[1]!)
      at = text.indexOf(key, at + key.length)
    }
    if (out.length > 0) break
  }
  return out
}
