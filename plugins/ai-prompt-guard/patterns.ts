// The guard's patterns, compiled once per config. Patterns come from config and run on prompt
// text a client chose, so each is proved to have a linear-time form at config load
// (compileLinearRegex): a pattern like `(a+)+$` cannot spin a worker on a crafted prompt. Kong runs
// PCRE; what PCRE has and a linear-time engine cannot run (backreferences, look-arounds) is refused
// at load with the field path instead of failing each request with a 500 as Kong does.
import type { FieldErrors } from '../../core/config/types.ts'
import { compileLinearRegex } from '../../core/linear-regex.ts'
import type { GuardConf } from './schema.ts'

export interface CompiledGuard {
  readonly allow: readonly RegExp[]
  readonly deny: readonly RegExp[]
}

const compiled = new WeakMap<GuardConf, CompiledGuard>()

/** unanchored, case-sensitive search, as Kong's ngx.re.find with no options (no `g`: test() keeps no state) */
const compilePattern = (p: string): RegExp => compileLinearRegex(p)

function reason(e: unknown): string {
  return (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')
}

function checkList(list: readonly string[] | undefined): FieldErrors | null {
  if (!list) return null
  let bad = false
  const out = list.map((p) => {
    try {
      compilePattern(p)
      return null
    } catch (e) {
      bad = true
      return `invalid regex '${p}': ${reason(e)}`
    }
  })
  return bad ? out : null
}

/** Config-load check: every pattern compiles and runs in linear time. Errors by field and index. */
export function checkPatterns(conf: GuardConf): Record<string, FieldErrors> {
  const out: Record<string, FieldErrors> = {}
  const allow = checkList(conf.allow_patterns)
  if (allow) out.allow_patterns = allow
  const deny = checkList(conf.deny_patterns)
  if (deny) out.deny_patterns = deny
  return out
}

/** The compiled patterns of a config (compiled at config load by `configure`, cached per config object). */
export function compiledGuard(conf: GuardConf): CompiledGuard {
  let c = compiled.get(conf)
  if (!c) {
    c = { allow: (conf.allow_patterns ?? []).map(compilePattern), deny: (conf.deny_patterns ?? []).map(compilePattern) }
    compiled.set(conf, c)
  }
  return c
}
