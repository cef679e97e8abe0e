// Renders an error tree the way Kong's message does (penlight `pretty.write(t, "")`), e.g.
// `{services={{host="required field missing"}}}` or `{services={[2]="uniqueness violation: ..."}}`.
// Clients read `fields`; this only keeps the `message` familiar to people who know Kong's.

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

export function luaPretty(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value === null || value === undefined) return 'nil'
  if (Array.isArray(value)) return luaArray(value)
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const parts = entries.map(([k, v]) => `${IDENTIFIER.test(k) ? k : `[${JSON.stringify(k)}]`}=${luaPretty(v)}`)
  return `{${parts.join(',')}}`
}

// Lua arrays are 1-based; the sequence runs until the first hole, the rest is written `[i]=v`.
function luaArray(list: readonly unknown[]): string {
  const parts: string[] = []
  let inSequence = true
  list.forEach((v, i) => {
    if (v === null || v === undefined) {
      inSequence = false
      return
    }
    parts.push(inSequence ? luaPretty(v) : `[${i + 1}]=${luaPretty(v)}`)
  })
  return `{${parts.join(',')}}`
}
