// request-termination (Kong priority 2): answers every request itself, with a status and a
// message or body, or with an echo of the request (useful to try a route without an upstream).
// Kong's kong/plugins/request-termination/{handler,schema}.lua (3.x), field for field.
import { Type } from 'typebox'
import { definePlugin } from '../../core/plugins/contract.ts'

// Kong's handler: the message when none is configured, for these statuses only (others: no body)
const DEFAULT_RESPONSE: Readonly<Record<number, string>> = Object.freeze({
  401: 'Unauthorized',
  404: 'Not found',
  405: 'Method not allowed',
  500: 'An unexpected error occurred',
  502: 'Bad Gateway',
  503: 'Service unavailable',
})

const schema = Type.Object({
  status_code: Type.Integer({ minimum: 100, maximum: 599, default: 503 }),
  message: Type.Optional(Type.String()),
  body: Type.Optional(Type.String()),
  content_type: Type.Optional(Type.String()),
  echo: Type.Boolean({ default: false }),
  /** only terminate when this header or query argument is present */
  trigger: Type.Optional(Type.String()),
}, { additionalProperties: false })

// Kong's typedefs.header_name
const HEADER_NAME = /^[A-Za-z0-9_-]+$/
const present = (v: string | undefined): boolean => v !== undefined && v.length > 0

export default definePlugin({
  name: 'request-termination',
  version: '1.0.0',
  priority: 2,
  schema,
  // Kong's custom_validator, its messages, reported at `config` as Kong does for a record's validator
  check(conf) {
    if (conf.trigger !== undefined && !HEADER_NAME.test(conf.trigger)) {
      return { trigger: `bad header name '${conf.trigger}', allowed characters are A-Z, a-z, 0-9, '_', and '-'` }
    }
    if (present(conf.message) && (present(conf.content_type) || present(conf.body))) return 'message cannot be used with content_type or body'
    if (present(conf.content_type) && !present(conf.body)) return 'content_type requires a body'
    if (conf.echo && (present(conf.content_type) || present(conf.body))) return 'echo cannot be used with content_type and body'
    return null
  },
  access(kong, conf) {
    if (conf.trigger !== undefined && kong.request.getHeader(conf.trigger) === undefined && kong.request.getQueryArg(conf.trigger) === undefined) return
    const status = conf.status_code
    if (conf.echo) {
      const route = kong.router.getRoute()
      const service = kong.router.getService()
      const raw = kong.request.getRawBody()
      return kong.response.exit(status, {
        message: conf.message ?? (Object.hasOwn(DEFAULT_RESPONSE, status) ? DEFAULT_RESPONSE[status] : undefined),
        // Kong: node_id, ngx.worker.pid() and hostname (worker threads share the process's pid)
        kong: { node_id: kong.node.getId(), worker_pid: process.pid, hostname: kong.node.getHostname() },
        request: {
          scheme: kong.request.getScheme(),
          host: kong.request.getHost(),
          port: kong.request.getPort(),
          method: kong.request.getMethod(),
          path: kong.request.getPath(),
          query: kong.request.getQuery(),
          headers: kong.request.getHeaders(),
          body: kong.request.getBody()[0],
          raw_body: raw && raw.length ? raw.toString('utf8') : undefined,
          uri_captures: kong.request.getUriCaptures(),
        },
        matched_route: route,
        matched_service: service,
      })
    }
    if (conf.body !== undefined) {
      return kong.response.exit(status, conf.body, conf.content_type ? { 'Content-Type': conf.content_type } : undefined)
    }
    // the plugin's own body, exactly Kong's: `{"message": ...}` as JSON whatever the Accept header,
    // no request_id (that belongs to Kong's error pages, not to this plugin's answer)
    const message = conf.message ?? (Object.hasOwn(DEFAULT_RESPONSE, status) ? DEFAULT_RESPONSE[status] : undefined)
    return kong.response.exit(status, message === undefined ? undefined : { message })
  },
})
