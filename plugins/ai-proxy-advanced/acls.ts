// `acls` (Kong 3.14): which targets a request may use. A rule is a list of matches that must all
// hold; a target is usable when no `deny` rule holds for (request, target) and, if there are
// `allow` rules, one of them holds. Match types: `consumer` (the consumer's id, username or
// custom_id), `consumer_group` (this gateway has no consumer groups: such a match never holds),
// `header` (the request header named by `key`), `ip` (the client address, in an address or CIDR
// listed), `path` (the request path, exact, or a prefix when the value ends with `*`), and the
// target's own `model` (its name or model_alias) and `provider`. Everything is compiled at config
// load; a request costs one mask over the targets. No usable target is Kong's ACL refusal: 403
// `{"message":"You cannot consume this service"}`.
import { BlockList, isIP } from 'node:net'
import { Type, type Static } from 'typebox'
import type { Kong } from '../../pdk/index.ts'
import type { FieldErrors } from '../../core/config/types.ts'
import { oneOf, record, str } from '../llm/schema-fields.ts'

export const ACL_MATCH_TYPES = ['consumer', 'consumer_group', 'header', 'ip', 'model', 'path', 'provider'] as const

const MatchSchema = record({
  type: oneOf(ACL_MATCH_TYPES),
  /** the header name, for `header` */
  key: str(),
  values: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
})
const RuleSchema = record({ match: Type.Array(MatchSchema, { minItems: 1 }) })

export const AclsSchema = Type.Optional(record({
  allow: Type.Optional(Type.Array(RuleSchema)),
  deny: Type.Optional(Type.Array(RuleSchema)),
}))

export type AclsConf = NonNullable<Static<typeof AclsSchema>>
type MatchConf = Static<typeof MatchSchema>

export const ACL_DENIED = 'You cannot consume this service'

/** What a request match reads of the request, read once per request. */
interface RequestFacts {
  readonly consumer: readonly string[]
  readonly ip: string
  readonly path: string
  header(name: string): string | undefined
}

/** A compiled match: on the request, or a fixed mask over the targets. */
type Match = { request: (r: RequestFacts) => boolean } | { targets: Uint8Array }

interface TargetFacts { readonly provider: string; readonly names: readonly string[] }

function pathMatch(values: readonly string[]): (path: string) => boolean {
  const exact = new Set(values.filter((v) => !v.endsWith('*')))
  const prefixes = values.filter((v) => v.endsWith('*')).map((v) => v.slice(0, -1))
  return (p) => exact.has(p) || prefixes.some((x) => p.startsWith(x))
}

function ipList(values: readonly string[]): BlockList {
  const list = new BlockList()
  for (const v of values) {
    const [addr, bits] = v.split('/', 2) as [string, string | undefined]
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) list.addAddress(addr, family)
    else list.addSubnet(addr, Number(bits), family)
  }
  return list
}

function compileMatch(m: MatchConf, targets: readonly TargetFacts[]): Match {
  const values = new Set(m.values)
  switch (m.type) {
    case 'consumer': return { request: (r) => r.consumer.some((c) => values.has(c)) }
    case 'consumer_group': return { request: () => false }
    case 'header': {
      const name = m.key!.toLowerCase()
      return { request: (r) => { const v = r.header(name); return v !== undefined && values.has(v) } }
    }
    case 'ip': {
      const list = ipList(m.values)
      return { request: (r) => { const f = isIP(r.ip); return f !== 0 && list.check(r.ip, f === 6 ? 'ipv6' : 'ipv4') } }
    }
    case 'path': {
      const test = pathMatch(m.values)
      return { request: (r) => test(r.path) }
    }
    case 'model': return { targets: Uint8Array.from(targets, (t) => (t.names.some((n) => values.has(n)) ? 1 : 0)) }
    case 'provider': return { targets: Uint8Array.from(targets, (t) => (values.has(t.provider) ? 1 : 0)) }
  }
}

/** A rule: its request matches (all must hold) and the targets its target matches leave. */
interface Rule { readonly request: readonly ((r: RequestFacts) => boolean)[]; readonly targets: Uint8Array }

function compileRule(matches: readonly MatchConf[], targets: readonly TargetFacts[]): Rule {
  const mask = new Uint8Array(targets.length).fill(1)
  const request: ((r: RequestFacts) => boolean)[] = []
  for (const m of matches) {
    const c = compileMatch(m, targets)
    if ('targets' in c) for (let i = 0; i < mask.length; i++) mask[i]! &= c.targets[i]!
    else request.push(c.request)
  }
  return { request, targets: mask }
}

/** The compiled acls of one plugin config. */
export class TargetAcl {
  private readonly allow: readonly Rule[]
  private readonly deny: readonly Rule[]
  private readonly n: number

  constructor(acls: AclsConf, targets: readonly TargetFacts[]) {
    this.n = targets.length
    this.allow = (acls.allow ?? []).map((r) => compileRule(r.match, targets))
    this.deny = (acls.deny ?? []).map((r) => compileRule(r.match, targets))
  }

  /** The targets this request may use (1 = usable). */
  usable(kong: Kong): Uint8Array {
    const c = kong.client.getConsumer()
    const facts: RequestFacts = {
      consumer: c === null ? [] : [c.id, c.username, c.custom_id].filter((v): v is string => v !== null),
      ip: kong.client.getIp(),
      path: kong.request.getPath(),
      header: (name) => kong.request.getHeader(name),
    }
    const holds = (r: Rule): boolean => r.request.every((f) => f(facts))
    const out = new Uint8Array(this.n).fill(this.allow.length === 0 ? 1 : 0)
    for (const r of this.allow) if (holds(r)) for (let i = 0; i < this.n; i++) out[i]! |= r.targets[i]!
    for (const r of this.deny) if (holds(r)) for (let i = 0; i < this.n; i++) if (r.targets[i] === 1) out[i] = 0
    return out
  }
}

/** Config-load checks: a header match names its header, ip values are addresses or CIDRs. */
export function checkAcls(acls: AclsConf | undefined): FieldErrors | null {
  if (!acls) return null
  const out: Record<string, FieldErrors> = {}
  for (const side of ['allow', 'deny'] as const) {
    const rules = acls[side]
    if (!rules) continue
    let bad = false
    const errs = rules.map((rule) => {
      let ruleBad = false
      const m = rule.match.map((x) => {
        const why = matchError(x)
        if (why) ruleBad = true
        return why
      })
      if (!ruleBad) return null
      bad = true
      return { match: m }
    })
    if (bad) out[side] = errs
  }
  return Object.keys(out).length > 0 ? out : null
}

function matchError(m: MatchConf): FieldErrors | null {
  if (m.type === 'header' && !m.key) return { key: "required field missing (for type 'header')" }
  if (m.type === 'ip') {
    const bad = m.values.map((v) => (validIp(v) ? null : `invalid ip or cidr range: '${v}'`))
    if (bad.some((b) => b !== null)) return { values: bad }
  }
  return null
}

function validIp(v: string): boolean {
  const [addr, bits, extra] = v.split('/')
  if (extra !== undefined) return false
  const f = isIP(addr!)
  if (f === 0) return false
  if (bits === undefined) return true
  if (!/^\d{1,3}$/.test(bits)) return false
  return Number(bits) <= (f === 6 ? 128 : 32)
}
