// prometheus (Kong priority 13): Kong's metrics in Prometheus' format on GET /metrics of the Admin
// API and the Status API (core/status/). Per request, the log phase adds to cached series
// (./http-metrics.ts); LLM requests are counted from the outcome bus (./ai-metrics.ts). Each
// worker thread keeps its own counts; a scrape sums every thread (core/status/node-metrics.ts).
import { definePlugin } from '../../core/plugins/contract.ts'
import { onLlmOutcome } from '../llm/outcome/outcome-bus.ts'
import { prometheusSchema } from './schema.ts'
import { consumerLabel, recordRequest } from './http-metrics.ts'
import { parkOutcome, recordAi, setAiMetricsWanted } from './ai-metrics.ts'

let subscribed = false

export default definePlugin({
  name: 'prometheus',
  version: '1.0.0',
  priority: 13,
  schema: prometheusSchema,
  init_worker() {
    if (subscribed) return
    subscribed = true
    onLlmOutcome(parkOutcome)
  },
  configure(_kong, configs) {
    setAiMetricsWanted(configs !== null && configs.some((c) => c.ai_metrics))
  },
  log(kong, conf) {
    const route = kong.router.getRoute()
    if (route === null) return
    recordRequest(kong, conf, route)
    if (conf.ai_metrics) recordAi(kong.request.getId(), conf.per_consumer ? consumerLabel(kong.client.getConsumer()) : '')
  },
})
