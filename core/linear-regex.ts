// Regexes from config run in linear time. V8's default engine (irregexp) backtracks, so a route,
// header or cors regex such as `(a+)+$` would let one request spin a worker for minutes. Two V8
// flags, set here once for the whole process (worker threads included) before any config regex is
// compiled:
// - `--enable-experimental-regexp-engine`: the `l` flag compiles a regex for V8's linear-time
//   (automaton) engine, or refuses it when it has no linear-time form;
// - `...-on-excessive-backtracks`: a normal regex runs on fast irregexp and moves to the linear
//   engine once it has backtracked too much on an input.
// At config load every regex is compiled with `l` as proof that the fallback exists for it (V8
// only falls back for regexes the linear engine accepts); the normal regex is what runs, so the
// common input keeps irregexp's speed and a pathological one costs linear time.
// The linear engine has no `i` (nor `u`) mode: a case-insensitive regex is rewritten with both
// ASCII cases spelled out (`a` → `[aA]`), which is what Kong's ASCII-only case folding means.
import { setFlagsFromString } from 'node:v8'

setFlagsFromString('--enable-experimental-regexp-engine')
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks')

const NOT_LINEAR = 'it cannot run in linear time (backreferences, lookahead, lookbehind, \\p{...} classes and repetition counts above 16 are not supported)'

/**
 * The regex to run for `source` with `flags`, after proving it has a linear-time form. Throws an
 * Error whose message says why when it has none (or does not compile at all).
 */
export function compileLinearRegex(source: string, flags = ''): RegExp {
  let src = source
  let f = flags
  if (f.includes('i')) {
    src = foldAsciiCase(source)
    f = f.replace('i', '')
  }
  const fast = new RegExp(src, f) // a syntax error reports as itself, before the linear check
  try {
    new RegExp(src, `${f}l`)
  } catch {
    throw new Error(NOT_LINEAR)
  }
  return fast
}

const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a
const swap = (c: number): string => String.fromCharCode(c ^ 0x20)

/** `source` matching both ASCII cases of every letter, without the `i` flag. */
export function foldAsciiCase(source: string): string {
  let out = ''
  let i = 0
  const n = source.length
  while (i < n) {
    const c = source.charCodeAt(i)
    if (c === 0x5c /* \ */) {
      i = copyEscape(source, i, (s) => { out += s })
    } else if (c === 0x5b /* [ */) {
      i = foldClass(source, i, (s) => { out += s })
    } else if (c === 0x28 /* ( */ && source.startsWith('(?<', i) && source[i + 3] !== '=' && source[i + 3] !== '!') {
      // a group name is not text to match
      const end = source.indexOf('>', i)
      const stop = end < 0 ? n : end + 1
      out += source.slice(i, stop)
      i = stop
    } else if (isUpper(c) || isLower(c)) {
      out += `[${source[i]}${swap(c)}]`
      i++
    } else {
      out += source[i]
      i++
    }
  }
  return out
}

/** Copies the escape at `i` unchanged (`\d`, `\x41`, `\u{...}`, `\k<name>`, `\p{...}`); returns the next index. */
function copyEscape(s: string, i: number, emit: (part: string) => void): number {
  const d = s[i + 1]
  let end = i + 2
  if ((d === 'p' || d === 'P' || d === 'u') && s[end] === '{') end = closeAt(s, end, '}')
  else if (d === 'k' && s[end] === '<') end = closeAt(s, end, '>')
  else if (d === 'x') end = i + 4
  else if (d === 'u') end = i + 6
  else if (d === 'c') end = i + 3
  end = Math.min(end, s.length)
  emit(s.slice(i, end))
  return end
}

function closeAt(s: string, from: number, close: string): number {
  const j = s.indexOf(close, from)
  return j < 0 ? s.length : j + 1
}

/** A `[...]` class with the other case of each letter and letter range added. */
function foldClass(s: string, i: number, emit: (part: string) => void): number {
  let out = '['
  let j = i + 1
  if (s[j] === '^') { out += '^'; j++ }
  if (s[j] === ']') { out += '\\]'; j++ } // `[]...]`: already translated, kept safe anyway
  let extra = ''
  while (j < s.length && s[j] !== ']') {
    if (s[j] === '\\') {
      j = copyEscape(s, j, (p) => { out += p })
      continue
    }
    const lo = s.charCodeAt(j)
    if (s[j + 1] === '-' && j + 2 < s.length && s[j + 2] !== ']' && s[j + 2] !== '\\') {
      const hi = s.charCodeAt(j + 2)
      out += s.slice(j, j + 3)
      extra += swappedRange(lo, hi, 0x41, 0x5a) + swappedRange(lo, hi, 0x61, 0x7a)
      j += 3
      continue
    }
    out += s[j]
    if (isUpper(lo) || isLower(lo)) extra += swap(lo)
    j++
  }
  emit(`${out}${extra}]`)
  return Math.min(j + 1, s.length)
}

/** The part of [lo, hi] inside [from, to], in the other case, as class text ('' when empty). */
function swappedRange(lo: number, hi: number, from: number, to: number): string {
  const a = Math.max(lo, from)
  const b = Math.min(hi, to)
  if (a > b) return ''
  return a === b ? swap(a) : `${swap(a)}-${swap(b)}`
}
