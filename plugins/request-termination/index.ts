// request-termination (Kong priority 2): answers every request itself, with a status and a
// message or body, or with an echo of the request (useful to try a route without an upstream).
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

export default definePlugin({
  name: 'request-termination',
  version: '1.0.0',
  priority: 2,
  schema,
  access(kong, conf) {
    if (conf.trigger !== undefined && kong.request.getHeader(conf.trigger) === undefined && kong.request.getQueryArg(conf.trigger) === undefined) return
    const status = conf.status_code
    if (conf.echo) {
      const route = kong.router.getRoute()
      const service = kong.router.getService()
      const raw = kong.request.getRawBody()
      return kong.response.exit(status, {
        message: conf.message ?? (Object.hasOwn(DEFAULT_RESPONSE, status) ? DEFAULT_RESPONSE[status] : undefined),
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
        matched_consumer: kong.client.getConsumer(),
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
