// cors (Kong priority 2000): answers preflight requests in access and adds the CORS headers to
// every other response in header_filter.
import { definePlugin } from '../../core/plugins/contract.ts'
import { schema } from './schema.ts'
import { checkOrigins, compile, configureCredentials, configureOrigin } from './origins.ts'

export default definePlugin({
  name: 'cors',
  version: '1.0.0',
  priority: 2000,
  schema,
  check(conf) {
    const origins = checkOrigins(conf.origins)
    return origins === null ? null : { origins }
  },
  access(kong, conf) {
    const origin = kong.request.getHeader('Origin')
    if (kong.request.getMethod() !== 'OPTIONS' || !origin || !kong.request.getHeader('Access-Control-Request-Method')) return
    // the preflight is the upstream's (preflight_continue) or fully answered here: no more headers
    kong.ctx.plugin.skip_response_headers = true
    if (conf.preflight_continue) return
    const c = compile(conf)
    const allowAll = configureOrigin(kong, c, false, origin)
    configureCredentials(kong, conf, allowAll, false, origin)
    const requested = c.headers ?? kong.request.getHeader('Access-Control-Request-Headers')
    if (requested) kong.response.setHeader('Access-Control-Allow-Headers', requested)
    else kong.response.clearHeader('Access-Control-Allow-Headers')
    kong.response.setHeader('Access-Control-Allow-Methods', c.methods)
    if (conf.max_age !== undefined) kong.response.setHeader('Access-Control-Max-Age', String(conf.max_age))
    if (conf.private_network && kong.request.getHeader('Access-Control-Request-Private-Network') === 'true')
      kong.response.setHeader('Access-Control-Allow-Private-Network', 'true')
    return kong.response.exit(200)
  },
  header_filter(kong, conf) {
    if (kong.ctx.plugin.skip_response_headers) return
    const origin = kong.request.getHeader('Origin')
    if (!origin && !conf.allow_origin_absent) return
    const c = compile(conf)
    const allowAll = configureOrigin(kong, c, true, origin)
    configureCredentials(kong, conf, allowAll, true, origin)
    if (c.exposed) kong.response.setHeader('Access-Control-Expose-Headers', c.exposed)
  },
})
