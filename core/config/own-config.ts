// A validated plugin config as the plugins read it: a deep copy whose objects have no prototype.
// Plugins read optional fields plainly (`conf.anonymous`, `options.upstream_url`); on an object
// with a prototype a missing field falls through to Object.prototype, so a single pollution
// anywhere in the process would configure every route (open key-auth to an anonymous consumer,
// send ai-proxy to another upstream with the gateway's key). Without a prototype, every read is a
// read of what the YAML or the Admin API said.

/** Deep copy: plain objects become null-prototype objects, arrays stay arrays, the rest is kept. */
export function ownConfig<T>(value: T, depth = 0): T {
  // configs are validated by their schema first, so this depth is never reached by a real one
  if (depth > 64) throw new Error('config nested too deeply')
  if (Array.isArray(value)) return value.map((v) => ownConfig(v, depth + 1)) as T
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value
  const out = Object.create(null) as Record<string, unknown>
  for (const k of Object.keys(value)) out[k] = ownConfig((value as Record<string, unknown>)[k], depth + 1)
  return out as T
}
