// The limiters' wall clock (windows are calendar or epoch aligned, as Kong's ngx.time()). One
// place to read it, so a test can set it (setClock) or use vi's fake timers, which move Date.now.
let clock: () => number = () => Date.now()

/** Milliseconds since the epoch. */
export function nowMs(): number {
  return clock()
}

/** Tests: read time from `fn` instead (null: the real clock). */
export function setClock(fn: (() => number) | null): void {
  clock = fn ?? (() => Date.now())
}
