// undici, loaded when something first needs it instead of at start: requiring the whole package
// adds ~11 MB RSS to every process (110 files, fetch, web streams, caches, mocks), and a gateway
// whose upstreams are all plain http sends everything through the H1 client (h1-pool.ts).
//
// The upstream call needs only Pool#dispatch, so loadUndiciPool() requires the Pool module alone
// (22 files, ~4 MB less than the package; the class is the package's own `Pool`, the same object,
// spec/core/proxy/load-undici.test.ts checks it). Plugins that use undici's request API (http-log,
// embeddings) take the whole package from loadUndici(). Both are a synchronous require, once per
// thread. A config that needs undici (an https service, an http-log plugin) loads it when it is
// validated (config/service-schema.ts, the plugins' `check`), so a failure to load it is a config
// error with the field's path; an http service's request that only undici can send (a streamed
// body, HEAD, a header undici handles itself) loads it then.
import { createRequire } from 'node:module'
import type { Pool } from 'undici'

type UndiciModule = typeof import('undici')

/**
 * What the Pool module alone gives: the dispatcher methods. request(), stream() and the other API
 * methods are added to every dispatcher by the package's index only, so they are not promised here.
 */
export type DispatchPool = Pick<Pool, 'dispatch' | 'close' | 'destroy' | 'closed' | 'destroyed'>
type DispatchPoolClass = new (url: string, options?: Pool.Options) => DispatchPool

/** Where the modules come from; tests replace it to see a failed load (setUndiciRequireForTests). */
let requireFrom: (id: string) => unknown = createRequire(import.meta.url)
let pool: DispatchPoolClass | null = null
let full: UndiciModule | null = null

/** undici's Pool class (lib/dispatcher/pool.js: the package's `Pool`). Throws when it cannot be loaded. */
export function loadUndiciPool(): DispatchPoolClass {
  return (pool ??= requireFrom('undici/lib/dispatcher/pool.js') as DispatchPoolClass)
}

/** The whole undici package (its request API). Throws when it cannot be loaded. */
export function loadUndici(): UndiciModule {
  return (full ??= requireFrom('undici') as UndiciModule)
}

/**
 * The message a config error gives when undici cannot be loaded, or null when it is (or was)
 * loaded. `what` picks the Pool alone or the whole package.
 */
export function undiciLoadError(what: 'pool' | 'package'): string | null {
  try {
    if (what === 'pool') loadUndiciPool()
    else loadUndici()
    return null
  } catch (e) {
    return `cannot load the upstream client (undici): ${(e as Error).message.split('\n')[0]}`
  }
}

/** Tests only: load from `r` (null: the real require) and forget what was loaded. */
export function setUndiciRequireForTests(r: ((id: string) => unknown) | null): void {
  requireFrom = r ?? createRequire(import.meta.url)
  pool = null
  full = null
}
