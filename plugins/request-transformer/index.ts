// request-transformer (Kong priority 801): rewrites the request before it goes upstream: uri,
// method, headers, body and query string.
import { definePlugin } from '../../core/plugins/contract.ts'
import { schema } from './schema.ts'
import { TemplateEnv } from './template.ts'
import { touches, transformBody, transformHeaders, transformMethod, transformQuery, transformUri } from './transform.ts'

export default definePlugin({
  name: 'request-transformer',
  version: '1.0.0',
  priority: 801,
  schema,
  access(kong, conf) {
    const env = new TemplateEnv(kong)
    transformUri(kong, conf, env)
    transformMethod(kong, conf)
    if (touches(conf, 'headers')) transformHeaders(kong, conf, env)
    if (touches(conf, 'body')) transformBody(kong, conf, env)
    if (touches(conf, 'querystring')) transformQuery(kong, conf, env)
  },
})
