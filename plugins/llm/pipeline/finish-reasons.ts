// The finish reasons an answer names (OpenAI's `finish_reason`, Anthropic's `stop_reason`,
// Gemini's `finishReason`), in order, read from the answer's text without parsing it: what a
// GenAI span reports as gen_ai.response.finish_reasons. Capped: a hostile answer with thousands
// of choices yields the first few.
const KEYS = ['"finish_reason"', '"stop_reason"', '"finishReason"']
const KEY_BYTES = KEYS.map((k) => Buffer.from(k, 'latin1'))
const MAX_REASONS = 16
/** where a value after a key must end: spaces, the colon, a quoted value of 64 characters (escaped: 2 each) */
const WINDOW = 80
/** UTF-16 units of a value */
const MAX_VALUE = 64

/** a character a regex's `\s` matches (ECMAScript WhiteSpace and LineTerminator) */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c >= 0xa0 && (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff))
}

/** a character a regex's `.` does not match */
const isLineTerminator = (c: number): boolean => c === 10 || c === 13 || c === 0x2028 || c === 0x2029

/**
 * What `/^\s*:\s*"((?:[^"\\]|\\.){1,64})"/` captures in `s[from, end)`, read by char code: the
 * regex's match array, the window's slice and the match's own string cost more than the reasons
 * (~400 B and 0.5 µs per answer). The same reading: spaces, a colon, spaces, a quote, then 1 to 64
 * units each a character other than a quote or backslash, or a backslash and a character that is
 * not a line terminator, then the closing quote, all before `end` (the pattern has one way to
 * match, so no backtracking is lost).
 */
function valueAt(s: string, from: number, end: number): string | null {
  let i = from
  while (i < end && isSpace(s.charCodeAt(i))) i++
  if (i >= end || s.charCodeAt(i) !== 58) return null // ':'
  i++
  while (i < end && isSpace(s.charCodeAt(i))) i++
  if (i >= end || s.charCodeAt(i) !== 34) return null // '"'
  const start = ++i
  for (let n = 0; n <= MAX_VALUE; n++) {
    if (i >= end) return null
    const c = s.charCodeAt(i)
    if (c === 34) return n === 0 ? null : s.slice(start, i)
    if (n === MAX_VALUE) return null
    if (c === 92) { // '\\'
      if (i + 1 >= end || isLineTerminator(s.charCodeAt(i + 1))) return null
      i += 2
    } else i++
  }
  return null
}

/**
 * The keys without their opening quote: a search scans for a pattern's first character, and JSON is
 * full of quotes (a 1.4 KB answer: 190 ns for the quoted key, a fraction of that for its letters);
 * the quote before a match is checked.
 */
const UNQUOTED = KEYS.map((k) => k.slice(1))

/** Where `key` (quoted) occurs in `text` at or after `from`, or -1. */
function keyAt(text: string, k: number, from: number): number {
  const bare = UNQUOTED[k]!
  for (let at = text.indexOf(bare, from + 1); at >= 0; at = text.indexOf(bare, at + 1)) {
    if (text.charCodeAt(at - 1) === 34) return at - 1
  }
  return -1
}

export function finishReasonsOf(text: string): string[] {
  // made at the first reason, as a literal: a first push gives an empty array room for 16 (~150 B)
  let out: string[] | null = null
  for (let k = 0; k < KEYS.length && out === null; k++) {
    const length = KEYS[k]!.length
    let at = keyAt(text, k, 0)
    while (at >= 0 && (out === null || out.length < MAX_REASONS)) {
      const from = at + length
      const v = valueAt(text, from, Math.min(text.length, from + WINDOW))
      if (v !== null) {
        if (out === null) out = [v]
        else out.push(v)
      }
      // the next key begins after this one (its closing quote cannot open the next)
      at = keyAt(text, k, from)
    }
  }
  return out ?? []
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
      const head = bytes.toString('utf8', from, short)
      let v = valueAt(head, 0, head.length)
      if (v === null && short < bytes.length) {
        const window = bytes.toString('utf8', from, Math.min(bytes.length, from + 3 * WINDOW))
        v = valueAt(window, 0, Math.min(window.length, WINDOW))
      }
      if (v !== null) out.push(v)
      at = bytes.indexOf(key, from)
    }
    if (out.length > 0) break
  }
  return out
}
