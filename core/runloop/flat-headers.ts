// Operations on flat [name, value, ...] header lists whose entries may be raw Buffers straight
// from the upstream parser. Names are compared case-insensitively, converting a Buffer only when
// its length matches, so untouched upstream headers are never decoded.
import type { FlatHeaders, HeaderValue } from './context.ts'

export function sameName(n: HeaderValue, lower: string): boolean {
  const len = lower.length
  if (n.length !== len) return false
  if (typeof n === 'string') return n.toLowerCase() === lower
  // a Buffer is compared byte by byte, ASCII letters folded: no string per comparison (this
  // runs for every upstream response header whose length matches a name the proxy looks for)
  for (let k = 0; k < len; k++) {
    let b = n[k]!
    if (b >= 0x80) return n.toString('latin1').toLowerCase() === lower // not a token byte: the exact old rule
    if (b >= 0x41 && b <= 0x5a) b |= 0x20
    if (b !== lower.charCodeAt(k)) return false
  }
  return true
}

export function str(v: HeaderValue): string {
  return typeof v === 'string' ? v : v.toString('latin1')
}

export function getFlat(h: FlatHeaders, name: string): string | undefined {
  const lower = name.toLowerCase()
  for (let i = 0; i < h.length; i += 2) if (sameName(h[i]!, lower)) return str(h[i + 1]!)
  return undefined
}

export function getAllFlat(h: FlatHeaders, name: string): string[] {
  const lower = name.toLowerCase()
  const out: string[] = []
  for (let i = 0; i < h.length; i += 2) if (sameName(h[i]!, lower)) out.push(str(h[i + 1]!))
  return out
}

export function clearFlat(h: FlatHeaders, name: string): void {
  const lower = name.toLowerCase()
  // most sets name a header that is not there yet (a plugin's own headers on an upstream response):
  // find the first match before moving anything, so such a set only reads the list
  let first = 0
  while (first < h.length && !sameName(h[first]!, lower)) first += 2
  if (first >= h.length) return
  let w = first
  for (let i = first; i < h.length; i += 2) {
    if (sameName(h[i]!, lower)) continue
    h[w++] = h[i]!
    h[w++] = h[i + 1]!
  }
  h.length = w
}

export function setFlat(h: FlatHeaders, name: string, value: string | string[]): void {
  clearFlat(h, name)
  addFlat(h, name, value)
}

export function addFlat(h: FlatHeaders, name: string, value: string | string[]): void {
  if (Array.isArray(value)) for (const v of value) h.push(name, v)
  else h.push(name, value)
}

/** Object view for PDK getters: lowercase names, arrays for repeated headers. */
export function toObject(h: FlatHeaders, max = 100): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (let i = 0, n = 0; i < h.length && n < max; i += 2, n++) {
    const k = str(h[i]!).toLowerCase()
    const v = str(h[i + 1]!)
    const prev = out[k]
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
  }
  return out
}

export type HeaderEdit = ['set' | 'add' | 'clear', string, string | string[] | null]

/**
 * Applies queued edits in order. A set or clear scans the list for its name, so a plugin's dozen
 * new headers on an upstream response would cost a dozen scans: `lengths` has bit (length & 31)
 * of every name in the list (bits are only added, so it may say "maybe" but never misses one),
 * and a name whose lowercase length has no bit cannot match an entry (sameName compares lengths
 * first), so its scan is skipped.
 */
export function applyEdits(h: FlatHeaders, edits: readonly HeaderEdit[]): void {
  let lengths = 0
  for (let i = 0; i < h.length; i += 2) lengths |= 1 << (h[i]!.length & 31)
  for (let k = 0; k < edits.length; k++) {
    const [op, name, value] = edits[k]!
    if (op !== 'add') {
      const len = lowerLength(name)
      if (len < 0 || (lengths & (1 << (len & 31))) !== 0) clearFlat(h, name)
      if (op === 'clear') continue
    }
    lengths |= 1 << (name.length & 31)
    addFlat(h, name, value!)
  }
}

/**
 * One edit, as applyEdits([[op, name, value]]) does it, without the edit's arrays: a plugin's
 * header_filter edits the response's list at once, several times per response (ai-proxy: three).
 */
export function applyEdit(h: FlatHeaders, op: HeaderEdit[0], name: string, value: string | string[] | null): void {
  if (op !== 'add') {
    clearFlat(h, name)
    if (op === 'clear') return
  }
  addFlat(h, name, value!)
}

/**
 * The length of the name's lowercase without building it: lowercasing keeps the length except for
 * U+0130 (İ → i + U+0307, the one unconditional lowercase mapping in Unicode's SpecialCasing that
 * changes length); -1 then (always scan). One native search, not a loop per character.
 */
function lowerLength(name: string): number {
  return name.indexOf('\u0130') === -1 ? name.length : -1
}
