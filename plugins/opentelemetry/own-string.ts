// Strings kept across requests (caches, kept blocks, span names) must not be V8 slices: a slice of
// a client's URL, header or 1 MiB body keeps the whole original alive for as long as it is kept.

/** `s` as a string of its own (a flat copy, never a view into a larger string). */
export const ownString = (s: string): string => Buffer.from(s, 'utf16le').toString('utf16le')

/** At most `max` UTF-16 units of `s`, as a string of its own when cut. */
export const ownPrefix = (s: string, max: number): string => (s.length > max ? ownString(s.slice(0, max)) : s)
