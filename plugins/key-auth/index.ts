// key-auth (Kong priority 1250): authenticates a consumer by an API key found in a header, the
// query string or the body, checked against the `keyauth_credentials` of the config.
import { definePlugin } from '../../core/plugins/contract.ts'
import { schema } from './schema.ts'
import { authenticate, prepare, setConsumer } from './authenticate.ts'
import { keyauthCredentials } from './entities.ts'

export default definePlugin({
  name: 'key-auth',
  version: '1.0.0',
  priority: 1250,
  schema,
  entities: [keyauthCredentials],
  /** the key's names, as header and as query argument, are hidden from log records */
  secrets: (conf) => ({ headers: conf.key_names, query: conf.key_names }),
  access(kong, conf) {
    if (!conf.run_on_preflight && kong.request.getMethod() === 'OPTIONS') return
    const p = prepare(conf)
    // anonymous = logical OR with other auth plugins: an earlier one may have succeeded already
    if (p.anonymous && kong.client.getCredential()) return
    const failure = authenticate(kong, conf, p)
    if (!failure) return
    if (!p.anonymous) return kong.response.error(failure.status, failure.message, failure.challenge ? { 'WWW-Authenticate': failure.challenge } : undefined)
    const anonymous = kong.client.loadConsumer(p.anonymous, true)
    if (!anonymous) throw new Error(`anonymous consumer "${p.anonymous}" is configured but doesn't exist`)
    setConsumer(kong, anonymous, null)
  },
})
