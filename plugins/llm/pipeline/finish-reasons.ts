// The finish reasons an answer names (OpenAI's `finish_reason`, Anthropic's `stop_reason`,
// Gemini's `finishReason`), in order, read from the answer's text without parsing it: what a
// GenAI span reports as gen_ai.response.finish_reasons. Capped: a hostile answer with thousands
// of choices yields the first few.
const KEYS = ['"finish_reason"', '"stop_reason"', '"finishReason"']
const KEY_BYTES = KEYS.map((k) => Buffer.from(k, 'latin1'))
const VALUE = /^\s*:\s*"((?:[^"\\]|\\.){1,64})"/
const MAX_REASONS = 16
/** what VALUE can match after a key: spaces, the colon, a quoted value of 64 characters (escaped: 2 each) */
const WINDOW = 80

export function finishReasonsOf(text: string): string[] {
  const out: string[] = []
  for (const key of KEYS) {
    let at = text.indexOf(key)
    while (at >= 0 && out.length < MAX_REASONS) {
      const m = VALUE.exec(text.slice(at + key.length, at + key.length + WINDOW))
      if (m) out.push(m[1]!)
      at = text.indexOf(key, at + key.length)
    }
    if (out.length > 0) break
  }
  return out
}

/**
 * finishReasonsOf over the answer's bytes: the keys are found in the bytes and only the window
 * after each is decoded, not the whole answer (a tracing plugin asks once per request; decoding a
 * whole answer again cost more than the rest of its GenAI span). The same reasons as
 * finishReasonsOf(bytes.toString('utf8')): the keys are ASCII, so their bytes are found where the
 * text has them, and 3 bytes per UTF-16 unit always hold the text's WINDOW units after a key.
 */
export function finishReasonsOfBytes(bytes: Buffer): string[] {
  const out: string[] = []
  for (let k = 0; k < KEY_BYTES.length; k++) {
    const key = KEY_BYTES[k]!
    let at = bytes.indexOf(key)
    while (at >= 0 && out.length < MAX_REASONS) {
      const from = at + key.length
      // most values are short: WINDOW bytes first (at most WINDOW units, a prefix of the text's
      // window, so a match there is the match); if none and the answer goes on, the whole window
      // (UTF-8 takes up to 3 bytes per UTF-16 unit)
      const short = Math.min(bytes.length, from + WINDOW)
      let m = VALUE.exec(bytes.toString('utf8', from, short))
      if (m === null && short < bytes.length) m = VALUE.exec(bytes.toString('utf8', from, Math.min(bytes.length, from + 3 * WINDOW)).slice(0, WINDOW))
      if (m) out.push(m[1]!)
      at = bytes.indexOf(key, from)
    }
    if (out.length > 0) break
  }
  return out
}
