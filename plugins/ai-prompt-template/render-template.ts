// Kong's template rendering: every `{{name}}` (letters, digits, `_`) of the template is replaced,
// in one pass, by the property's value JSON-escaped without its quotes, so a value can only ever
// be text inside the template's JSON string (quotes, backslashes and control characters come out
// escaped; `}}` or `{{other}}` inside a value is text, never a placeholder). A placeholder without
// a property is reported by name, each once, in order of first appearance.
// Properties are read by own property only: `{{__proto__}}` or `{{constructor}}` finds only what
// the client itself sent under that name.

const PLACEHOLDER = /\{\{([A-Za-z0-9_]+)\}\}/g

/** Lua's type() names, for Kong's "property values must be a string, got <type>" */
export function luaType(v: unknown): string {
  if (v === null) return 'userdata' // cjson.null
  if (typeof v === 'object') return 'table'
  return typeof v
}

export type Rendered = { ok: true; text: string } | { ok: false; missing: string[] } | { ok: false; tooLarge: true }

/** `properties` holds strings only (checked by the caller); `cap` bounds the rendered length. */
export function renderTemplate(template: string, properties: Record<string, unknown>, cap: number): Rendered {
  const missing: string[] = []
  let out = ''
  let last = 0
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1]!
    out += template.slice(last, m.index)
    last = m.index + m[0].length
    if (Object.hasOwn(properties, name)) out += JSON.stringify(properties[name]).slice(1, -1)
    else if (!missing.includes(name)) missing.push(name)
    // one property repeated in a template multiplies its size: stop as soon as it is too large
    if (out.length > cap) return { ok: false, tooLarge: true }
  }
  if (missing.length > 0) return { ok: false, missing }
  out += template.slice(last)
  if (out.length > cap) return { ok: false, tooLarge: true }
  return { ok: true, text: out }
}
