// The static-key strategies (header, query parameter, body parameter: Kong's configure_request)
// through the conformance suite. Their own rules (allow_override, query encoding, non-JSON bodies)
// are in spec/plugins/llm/01-unit.test.ts.
import { createHeaderAuth } from '../../../../plugins/llm/auth/header.ts'
import type { AuthConf, OutboundRequest } from '../../../../plugins/llm/types.ts'
import { runAuthStrategySuite, type AuthStrategyAdapter } from './auth-strategy.case.ts'

const SECRET = 'sk-static-secret-0123456789'

function outbound(): OutboundRequest {
  return { method: 'POST', target: { scheme: 'https', host: 'api.openai.com', port: 443, path: '/v1/chat/completions', query: 'trace=1' }, headers: new Map([['content-type', 'application/json'], ['accept', 'application/json']]), body: '{"model":"gpt-4o","messages":[]}' }
}

function staticKey(auth: AuthConf, credential: (req: OutboundRequest) => string | undefined): () => AuthStrategyAdapter {
  return () => ({
    create: () => createHeaderAuth(auth),
    outbound,
    credential,
    accepts: (req) => credential(req) === SECRET,
    secrets: [SECRET],
    syncWhenWarm: true,
  })
}

const bodyParam = (req: OutboundRequest): string | undefined => {
  const v: unknown = JSON.parse(String(req.body)).api_key
  return typeof v === 'string' ? v : undefined
}

runAuthStrategySuite('header key', staticKey({ header_name: 'api-key', header_value: SECRET }, (req) => req.headers.get('api-key')), { identityProvider: false })
runAuthStrategySuite('query parameter key', staticKey({ param_name: 'key', param_value: SECRET, param_location: 'query' }, (req) => new URLSearchParams(req.target.query ?? '').get('key') ?? undefined), { identityProvider: false })
runAuthStrategySuite('body parameter key', staticKey({ param_name: 'api_key', param_value: SECRET, param_location: 'body' }, bodyParam), { identityProvider: false })
