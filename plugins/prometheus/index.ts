// prometheus (Kong priority 13): Kong's metrics in Prometheus' format on GET /metrics of the Admin
// API and the Status API (core/status/). Per request, the log phase adds to cached series
// (./http-metrics.ts) and counts the request's LLM outcome, read from the exchange ai-proxy shares
// (./ai-metrics.ts). Each worker thread keeps its own counts; a scrape sums every thread
// (core/status/node-metrics.ts).
import { definePlugin } from '../../core/plugins/contract.ts'
import { sharedExchange } from '../llm/pipeline/shared-exchange.ts'
import { prometheusSchema } from './schema.ts'
import { consumerLabel, recordRequest } from './http-metrics.ts'
import { recordAi } from './ai-metrics.ts'

export default definePlugin({
  name: 'prometheus',
  version: '1.0.0',
  priority: 13,
  schema: prometheusSchema,
  log(kong, conf) {
    const route = kong.router.getRoute()
    if (route === null) return
    const consumer = conf.per_consumer ? kong.client.getConsumer() : null
    recordRequest(kong, conf, route, consumer)
    if (!conf.ai_metrics) return
    // set by ai-proxy's body_filter, or by its log phase, which runs before this one (770 > 13)
    const o = sharedExchange(kong)?.outcome
    if (o != null) recordAi(o, consumerLabel(consumer))
  },
})
