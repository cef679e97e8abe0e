// Usage and model from an OpenAI-shaped answer without parsing the whole answer: the `usage`
// object is cut out from the end (it holds only numbers and nested number records, so brace
// counting is exact) and only it is parsed; `model` is read from the start, `service_tier` after
// usage (where OpenAI writes it). Measured in bench/micro/usage-extract.bench.ts (a reader of the
// bytes in JS, and one parsing only the head and tail, were no faster than JSON.parse of the whole
// answer). Falls back to a full parse when the cut does not parse.
import type { TokenUsage } from '../types.ts'
import { openAiDetails, usageWithDetails } from './usage-details.ts'

/**
 * An object with records nested one level (OpenAI's usage and its *_details), matched at lastIndex:
 * irregexp's compiled scan is 2x faster than the loop below (bench/micro/usage-extract.bench.ts).
 * It ends where the loop does (the first `}` back at depth 0) or fails on deeper nesting, which the
 * loop then counts. Linear: the two alternatives start on different characters.
 */
const SHALLOW_OBJECT = /\{(?:[^{}]|\{[^{}]*\})*\}/y

/** The object opening at the first `{` from `from`, by brace counting; exported for its differential test. */
export function cutObject(s: string, from: number): string | null {
  const open = s.indexOf('{', from)
  if (open < 0) return null
  SHALLOW_OBJECT.lastIndex = open
  const m = SHALLOW_OBJECT.exec(s)
  if (m !== null) return m[0]
  // deeper nesting: count braces
  let depth = 0
  for (let i = open; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x7b) depth++
    else if (c === 0x7d && --depth === 0) return s.slice(open, i + 1)
  }
  return null
}

/**
 * OpenAI's usage; the Responses, audio and images APIs name the counts input_tokens /
 * output_tokens. Cached prompt tokens and the answer's service tier go beside it (usage-details.ts).
 */
export function toUsage(u: unknown, serviceTier: string | null = null): TokenUsage | null {
  if (u === null || typeof u !== 'object') return null
  const r = u as Record<string, unknown>
  const prompt = typeof r.prompt_tokens === 'number' ? r.prompt_tokens : typeof r.input_tokens === 'number' ? r.input_tokens : 0
  const completion = typeof r.completion_tokens === 'number' ? r.completion_tokens : typeof r.output_tokens === 'number' ? r.output_tokens : 0
  return usageWithDetails(prompt, completion, typeof r.total_tokens === 'number' ? r.total_tokens : prompt + completion, openAiDetails(r, serviceTier))
}

// the answer's top-level service_tier (a short word): read with the usage for Kong 3.14's service_tier_factor
const SERVICE_TIER = /"service_tier"\s*:\s*"([A-Za-z0-9_-]{1,64})"/
const MODEL = /"model"\s*:\s*"((?:[^"\\]|\\.)*)"/
/** the model is looked for in the answer's first MODEL_WINDOW characters (it comes before the choices) */
const MODEL_WINDOW = 4096
/** bytes holding at least MODEL_WINDOW characters (UTF-8 spends at most 3 bytes per UTF-16 unit) */
const MODEL_WINDOW_BYTES = MODEL_WINDOW * 3
/** bytes decoded first to look for the model: where OpenAI writes it (after id, object, created) */
const MODEL_HEAD_BYTES = 256

/** what JSON.parse would decode or refuse in a string's text */
const NEEDS_DECODE = /[\\\x00-\x1f]/

/** The model string's JSON escapes decoded; null when they are not JSON's (a broken answer). */
function decodeModel(escaped: string): string | null {
  // most models have no escape and no control character: the text is the string (no parse)
  if (!NEEDS_DECODE.test(escaped)) return escaped
  try {
    return JSON.parse(`"${escaped}"`) as string
  } catch {
    return null
  }
}

/**
 * The first `"model": "..."` in the answer's first MODEL_WINDOW characters, decoding the first
 * MODEL_HEAD_BYTES only when it is there. A match in that head is the first match of the whole
 * window too: an earlier start could only match past the head if its value ran past the head, and
 * then the later start would lie inside that value, which its `"model"` would have closed.
 */
function modelOf(b: Buffer): string | null {
  let m = MODEL.exec(b.toString('utf8', 0, Math.min(b.length, MODEL_HEAD_BYTES)))
  if (m === null && b.length > MODEL_HEAD_BYTES) {
    const w = b.toString('utf8', 0, Math.min(b.length, MODEL_WINDOW_BYTES))
    m = MODEL.exec(w.length > MODEL_WINDOW ? w.slice(0, MODEL_WINDOW) : w)
  }
  return m ? decodeModel(m[1]!) : null
}

/**
 * An OpenAI answer's usage and model. A short answer is decoded whole and read as text; from a long
 * one (over DECODE_WHOLE_MAX bytes) only the head (model) and the tail from the last `"usage"` key
 * are decoded, so the cost stops growing with the choices: each native Buffer call costs more than
 * decoding a short answer whole (bench/micro/usage-extract.bench.ts).
 */
export function usageOfOpenAi(body: Buffer | string): { usage: TokenUsage | null; model: string | null } {
  if (typeof body === 'string') return fromText(body)
  return body.length <= DECODE_WHOLE_MAX ? fromText(body.toString('utf8')) : fromBytes(body)
}

/** above this many bytes the answer is not decoded whole */
export const DECODE_WHOLE_MAX = 8192

function fromText(s: string): { usage: TokenUsage | null; model: string | null } {
  const at = s.lastIndexOf('"usage"')
  const m = MODEL.exec(s.length > MODEL_WINDOW ? s.slice(0, MODEL_WINDOW) : s)
  const model = m ? decodeModel(m[1]!) : null
  if (at < 0) return { usage: null, model }
  // OpenAI writes the tier after usage: look there first (the rest of the answer only when it is not)
  const tier = SERVICE_TIER.exec(s.slice(at))?.[1] ?? SERVICE_TIER.exec(s)?.[1] ?? null
  return usageAfter(s, at, tier, model, s)
}

function fromBytes(b: Buffer): { usage: TokenUsage | null; model: string | null } {
  // the key is ASCII and UTF-8 puts no ASCII byte inside a character: the same occurrence as in the text
  const at = b.lastIndexOf('"usage"')
  const model = modelOf(b)
  if (at < 0) return { usage: null, model }
  const tail = b.toString('utf8', at)
  const tier = SERVICE_TIER.exec(tail)?.[1] ?? SERVICE_TIER.exec(b.toString('utf8'))?.[1] ?? null
  return usageAfter(tail, 0, tier, model, b)
}

/** The usage object after the `"usage"` key at `at` of `s` (cut and parsed), or from the whole answer (`whole`) parsed. */
function usageAfter(s: string, at: number, tier: string | null, model: string | null, whole: string | Buffer): { usage: TokenUsage | null; model: string | null } {
  const cut = cutObject(s, at + 7)
  if (cut !== null) {
    try { return { usage: toUsage(JSON.parse(cut), tier), model } } catch { /* fall through to a full parse */ }
  }
  try {
    const w = JSON.parse(typeof whole === 'string' ? whole : whole.toString('utf8')) as { usage?: unknown; model?: unknown }
    return { usage: toUsage(w.usage, tier), model: typeof w.model === 'string' ? w.model : model }
  } catch {
    return { usage: null, model }
  }
}
