// Regexes in routes (`~/users/(?<id>\d+)` paths, `~*` header values) are written for Kong, whose
// traditional_compatible router runs them on Rust's regex crate and the traditional one on PCRE.
// We translate the common non-JavaScript forms and compile once per config. A regex that still
// does not compile, or has no linear-time form (both engines Kong uses for these never backtrack
// exponentially: Rust's regex crate by construction), is a config error that names the route,
// never a request-time surprise.

import { errors } from '../errors.ts'
import { compileLinearRegex } from '../linear-regex.ts'
import { ownTable } from '../safe-merge.ts'

const POSIX_CLASSES = ownTable<string>({
  alpha: 'a-zA-Z', digit: '0-9', alnum: 'a-zA-Z0-9', upper: 'A-Z', lower: 'a-z', space: '\\s',
  xdigit: '0-9A-Fa-f', word: '\\w', blank: ' \\t', punct: '!-\\/:-@\\[-`{-~', cntrl: '\\x00-\\x1f\\x7f',
  print: '\\x20-\\x7e', graph: '\\x21-\\x7e', ascii: '\\x00-\\x7f',
})

const LEADING_FLAGS = /^\(\?([a-zA-Z]+)\)/

/**
 * Rewrite PCRE/Rust syntax JavaScript lacks: `(?P<n>` and `(?P=n)` named groups, a leading
 * `(?i)`-style flag group, `\A` `\z` `\Z`, POSIX `[[:alpha:]]` classes and a `]` first in a
 * class. Throws on what has no equivalent.
 */
export function translateRegex(pattern: string): { source: string; flags: string } {
  let flags = ''
  let i = 0
  const lead = LEADING_FLAGS.exec(pattern)
  if (lead !== null) {
    for (const f of lead[1]!) {
      if (!'ims'.includes(f)) throw new Error(`unsupported inline flag (?${f})`)
      if (!flags.includes(f)) flags += f
    }
    i = lead[0].length
  }
  let out = ''
  let inClass = false
  while (i < pattern.length) {
    const c = pattern[i]!
    if (c === '\\') {
      const d = pattern[i + 1]
      if (d === undefined) throw new Error('trailing backslash')
      // `\Z` consumes the final newline rather than looking ahead at it: lookarounds have no
      // linear-time form, and whether a match exists is the same
      out += inClass ? c + d : d === 'A' ? '^' : d === 'z' ? '$' : d === 'Z' ? '(?:\\n?$)' : c + d
      i += 2
    } else if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2)
        const cls = end > 0 ? POSIX_CLASSES[pattern.slice(i + 2, end)] : undefined
        if (cls === undefined) throw new Error(`unsupported POSIX class at offset ${i}`)
        out += cls
        i = end + 2
        continue
      }
      if (c === ']') inClass = false
      out += c
      i++
    } else if (c === '[') {
      inClass = true
      out += c
      i++
      if (pattern[i] === '^') {
        out += '^'
        i++
      }
      // PCRE and Rust read `[]...]` as a class holding `]`; JavaScript reads `[]` as empty
      if (pattern[i] === ']') {
        out += '\\]'
        i++
      }
    } else if (pattern.startsWith('(?P<', i)) {
      out += '(?<'
      i += 4
    } else if (pattern.startsWith('(?P=', i)) {
      const end = pattern.indexOf(')', i)
      if (end < 0) throw new Error('unterminated (?P= backreference')
      out += `\\k<${pattern.slice(i + 4, end)}>`
      i = end + 1
    } else {
      out += c
      i++
    }
  }
  // Unicode property escapes need the u flag; without them keep JavaScript's laxer default
  if (/\\[pP]\{/.test(out)) flags += 'u'
  return { source: out, flags }
}

export interface RegexContext {
  /** `route 'name'` or `route '<id>'` */
  readonly route: string
  /** where the regex sits, e.g. `paths` or `headers.x-version` */
  readonly field: string
}

/**
 * Compile a route regex. `anchored` wraps it as `^(?:...)`: Kong anchors path regexes at the
 * start only, so `/a|/b` means either, both from the start.
 */
export function compileRouteRegex(pattern: string, anchored: boolean, extraFlags: string, where: RegexContext): RegExp {
  try {
    const { source, flags } = translateRegex(pattern)
    const all = flags.includes(extraFlags) ? flags : flags + extraFlags
    const plain = compileLinearRegex(source, all)
    // compiled alone first: `/a)|(/b` would otherwise slip through inside the wrapper
    return anchored ? compileLinearRegex(`^(?:${source})`, all) : plain
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e)
    throw errors.configInvalid(`invalid regex '${pattern}' in ${where.field} of ${where.route}: ${why}`)
  }
}

const QUANTIFIERS = '?*+{'
const META = '\\^$.|?*+()[]{}'

/**
 * The literal text every match of an anchored path regex starts with ('' when unknown), so
 * the index can file `~/items/(?<id>\d+)` under `/items/` like a prefix instead of running
 * it for every request. Conservative: case-insensitive regexes and top-level alternations give ''.
 */
export function literalPrefix(re: RegExp): string {
  if (re.flags.includes('i') || !re.source.startsWith('^(?:') || hasTopLevelAlternation(re.source, 4)) return ''
  const src = re.source
  let out = ''
  let beforeLastAtom = 0
  let i = src.charCodeAt(4) === 0x5e /* a redundant ^ */ ? 5 : 4
  while (i < src.length) {
    const c = src[i]!
    let atom: string
    if (c === '\\') {
      const d = src[i + 1]
      // `\/`, `\.`: an escaped punctuation mark is that character; `\d`, `\x41` and the like stop
      if (d === undefined || /[0-9A-Za-z]/.test(d)) break
      atom = d
      i += 2
    } else if (META.includes(c)) {
      break
    } else {
      atom = c
      i++
    }
    beforeLastAtom = out.length
    out += atom
  }
  // a quantifier makes the last atom optional or repeatable: it is not part of every match
  return i < src.length && QUANTIFIERS.includes(src[i]!) ? out.slice(0, beforeLastAtom) : out
}

function hasTopLevelAlternation(src: string, from: number): boolean {
  let depth = 0
  let inClass = false
  for (let i = from; i < src.length - 1; i++) {
    const c = src[i]
    if (c === '\\') i++
    else if (inClass) inClass = c !== ']'
    else if (c === '[') inClass = true
    else if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === '|' && depth === 0) return true
  }
  return false
}
