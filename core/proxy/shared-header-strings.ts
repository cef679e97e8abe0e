// One copy of the response header strings that repeat from answer to answer, for the H1 client.
// Node's parser gives every header name and value of every answer as a new string, and an open
// stream keeps its head (the PDK's kong.service.response headers, the client's head): OpenAI's 17
// names and its fixed values (strict-transport-security, content-type, openai-organization, ...)
// were ~1.2 KB of each open stream's heap. A name seen before gives the first copy of it, and a
// value equal to the one that name had last time gives that copy; a value that changes (ids,
// dates, counters) simply replaces it, so each name holds one value at most.
//
// Upstreams choose the names: the table is bounded (MAX_NAMES of at most MAX_NAME_LENGTH, values of
// at most MAX_VALUE_LENGTH), filled in first-come order and never evicted; past it, strings are
// left as the parser gave them (same bytes, only not shared). A Map: a name like `__proto__` is a
// key like any other.
import type { FlatHeaders } from '../runloop/context.ts'

export const MAX_NAMES = 512
export const MAX_NAME_LENGTH = 64
export const MAX_VALUE_LENGTH = 256

interface Shared {
  readonly name: string
  /** the value this name had in the last answer that carried it (one per name), '' for none */
  value: string
}

const table = new Map<string, Shared>()

/**
 * Replaces the name at `i` of a head and the value after it by their shared copies, when there
 * are some (equal strings: nothing a reader sees changes). Values that are not strings are left.
 */
export function shareHeaderStrings(hs: FlatHeaders, i: number): void {
  const name = hs[i] as string
  let s = table.get(name)
  if (s === undefined) {
    if (table.size >= MAX_NAMES || name.length > MAX_NAME_LENGTH) return
    s = { name, value: '' }
    table.set(name, s)
  } else {
    hs[i] = s.name
  }
  const v = hs[i + 1]
  if (typeof v !== 'string' || v.length > MAX_VALUE_LENGTH) return
  if (v === s.value) hs[i + 1] = s.value
  else s.value = v
}

/** How many names are shared (tests: the table's bound). */
export function sharedHeaderNames(): number {
  return table.size
}
