// correlation-id (Kong priority 100001): tags each request with an id in a header, sent upstream
// (the client's own id is kept when present), optionally echoed to the client, and added to the
// log record as `correlation_id`.
import { Type } from 'typebox'
import { definePlugin } from '../../core/plugins/contract.ts'
import { generators } from './generators.ts'

const schema = Type.Object({
  header_name: Type.String({ minLength: 1, default: 'Kong-Request-ID' }),
  generator: Type.Union([Type.Literal('uuid'), Type.Literal('uuid#counter'), Type.Literal('tracker')], { default: 'uuid#counter' }),
  echo_downstream: Type.Boolean({ default: false }),
}, { additionalProperties: false })

export default definePlugin({
  name: 'correlation-id',
  version: '1.0.0',
  priority: 100001,
  schema,
  access(kong, conf) {
    let id = kong.request.getHeader(conf.header_name)
    if (!id) {
      id = generators[conf.generator](kong.request.getPort())
      kong.service.request.setHeader(conf.header_name, id)
    }
    kong.log.setSerializeValue('correlation_id', id)
    if (conf.echo_downstream) kong.ctx.plugin.correlation_id = id
  },
  header_filter(kong, conf) {
    if (!conf.echo_downstream) return
    // as Kong: when access did not run (a plugin before it exited), the client's id, else a new one
    let id = (kong.ctx.plugin.correlation_id as string | undefined) ?? kong.request.getHeader(conf.header_name)
    if (!id) id = generators[conf.generator](kong.request.getPort())
    kong.response.setHeader(conf.header_name, id)
  },
})
