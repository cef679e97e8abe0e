// The declarative config text in a `POST /config` body (kong/api/routes/config.lua): the config
// itself as JSON or YAML, JSON `{"config": "<text>"}`, or a `config` form field (urlencoded, or
// multipart as `curl -F config=@kong.yml` sends it). Other media types are refused with 415: a
// browser sends text/plain, or no type at all, cross-site without a CORS preflight.
import { errors, type GatewayError } from '../errors.ts'

/** Kong's Admin API client_max_body_size */
export const ADMIN_MAX_BODY = 10 * 1024 * 1024

const YAML_TYPES = new Set(['application/x-yaml', 'application/yaml', 'text/yaml'])

/** `type/subtype` of a Content-Type header, lowercase, parameters dropped */
export function mediaType(contentType: string): string {
  const semi = contentType.indexOf(';')
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
}

/** The config text, or the error to answer with. */
export async function configText(body: Buffer, contentType: string): Promise<string | GatewayError> {
  const type = mediaType(contentType)
  const text = (): string => body.toString('utf8')
  if (YAML_TYPES.has(type)) return text()
  if (type === 'application/json') {
    const raw = text()
    try {
      const parsed: unknown = JSON.parse(raw)
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        && Object.hasOwn(parsed, 'config') && !Object.hasOwn(parsed, '_format_version')) {
        const config = (parsed as { config: unknown }).config
        if (typeof config === 'string') return config
      }
    } catch { /* the loader reports the parse error with its position */ }
    return raw
  }
  // Kong reads `config`, and falls back to the raw body (curl --data-binary sends urlencoded)
  if (type === 'application/x-www-form-urlencoded') return new URLSearchParams(text()).get('config') ?? text()
  if (type === 'multipart/form-data') {
    let form: FormData
    try {
      form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData()
    } catch {
      return errors.configInvalid('Cannot parse multipart body')
    }
    const field = form.get('config')
    if (field === null) return errors.configEmpty()
    return typeof field === 'string' ? field : await field.text()
  }
  return errors.adminMediaType()
}
