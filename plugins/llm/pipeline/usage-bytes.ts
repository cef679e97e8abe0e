// usageOfOpenAi (usage.ts) read on the answer's bytes: the kept copy of a passthrough answer is
// searched where it lies (Buffer's native search for `"usage"`, `"model"`, `"service_tier"`) and
// only the usage object and a few bytes around each key are decoded, instead of decoding the whole
// answer into a string and scanning it with regular expressions.
//
// The answer is the same as usageOfOpenAi's on the decoded text, by construction: every pattern is
// ASCII, and UTF-8 decoding keeps each ASCII byte as the character it is (an invalid sequence
// becomes U+FFFD, never an ASCII character), so the keys are found in the same order and the
// slices between ASCII bytes decode to the same strings; each key's value is matched with the same
// regular expression on a decoded window starting at the key. When a window could have changed
// the outcome (a failed match that more text might have completed, or a `"model"` key past the
// first 4096 bytes of a longer answer, where usageOfOpenAi's window is 4096 characters), the
// whole answer is decoded and read by usageOfOpenAi instead.
// spec/plugins/llm/pipeline/usage-bytes.test.ts fuzzes the two against each other and against a
// full parse.
import type { TokenUsage } from '../types.ts'
import { decodeModel, MODEL_AT, MODEL_PREFIX, MODEL_WINDOW, SERVICE_TIER_AT, SERVICE_TIER_PREFIX, toUsage, usageOfOpenAi } from './usage.ts'

/** bytes decoded after a key to match its value: model names and tiers are short */
const VALUE_WINDOW = 256
/** keys whose value did not match, before the answer is read whole instead */
const MAX_TRIES = 8
const OPEN = 0x7b
const CLOSE = 0x7d

const UNSURE = Symbol('unsure')

/**
 * The value `re` matches at the first occurrence of `key` (before `limit`) where it matches; UNSURE
 * when a window's end may have decided a failure (`prefix`: the window could still grow into a
 * match; a character cut in two at the end decodes to U+FFFD).
 */
function valueAt(buf: Buffer, key: string, re: RegExp, prefix: RegExp, limit: number): string | null | typeof UNSURE {
  let at = buf.indexOf(key)
  // an answer repeating the key without a value is read whole, as usageOfOpenAi would, not window by window
  for (let tries = 0; at >= 0 && at < limit; tries++) {
    if (tries === MAX_TRIES) return UNSURE
    const end = Math.min(at + VALUE_WINDOW, limit)
    const text = buf.toString('utf8', at, end)
    const m = re.exec(text)
    if (m) return m[1]!
    if (end < buf.length && (end - at <= key.length || prefix.test(text) || text.endsWith('\uFFFD'))) return UNSURE
    at = buf.indexOf(key, at + 1)
  }
  // a key past the limit may be within usageOfOpenAi's window when the answer is not all ASCII
  return at >= 0 ? UNSURE : null
}

/** The `{...}` after `from`, by brace counting (the usage object holds only numbers and records). */
function cutObject(buf: Buffer, from: number): string | null {
  const open = buf.indexOf(OPEN, from)
  if (open < 0) return null
  let depth = 0
  for (let i = open; i < buf.length; i++) {
    const c = buf[i]!
    if (c === OPEN) depth++
    else if (c === CLOSE && --depth === 0) return buf.toString('utf8', open, i + 1)
  }
  return null
}

export function usageOfOpenAiBytes(buf: Buffer): { usage: TokenUsage | null; model: string | null } {
  const whole = (): { usage: TokenUsage | null; model: string | null } => usageOfOpenAi(buf.toString('utf8'))
  const at = buf.lastIndexOf('"usage"')
  const m = valueAt(buf, '"model"', MODEL_AT, MODEL_PREFIX, Math.min(buf.length, MODEL_WINDOW))
  if (m === UNSURE) return whole()
  const model = m === null ? null : decodeModel(m)
  if (at < 0) return { usage: null, model }
  const tier = valueAt(buf, '"service_tier"', SERVICE_TIER_AT, SERVICE_TIER_PREFIX, buf.length)
  if (tier === UNSURE) return whole()
  const cut = cutObject(buf, at + 7)
  if (cut === null) return whole()
  try {
    return { usage: toUsage(JSON.parse(cut), tier), model }
  } catch {
    // usageOfOpenAi parses the whole answer then
    return whole()
  }
}
