// A gateway whose opentelemetry plugin extracts every format and injects w3c, in front of a fake
// upstream that records what reached it: the propagation tests' shared set-up. Sampling is 0 and the
// collector does not exist, so spans are not the point, the headers sent upstream are. Instrumentations
// are `all`, so the upstream's parent is the balancer span, as with tracing on.
import { EXTRACTORS } from '../../../plugins/opentelemetry/schema.ts'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'

export async function startPropagationGateway(): Promise<{ gw: TestGateway; up: FakeUpstream }> {
  const up = await startUpstream()
  const config = {
    _format_version: '3.0',
    services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths: ['/'] }] }],
    plugins: [{ name: 'opentelemetry', config: { traces_endpoint: 'http://127.0.0.1:9/v1/traces', sampling_rate: 0, propagation: { extract: [...EXTRACTORS], inject: ['w3c'], default_format: 'w3c' } } }],
  }
  return { gw: await startGateway(JSON.stringify(config), { env: { KONG_TRACING_INSTRUMENTATIONS: 'all' } }), up }
}
