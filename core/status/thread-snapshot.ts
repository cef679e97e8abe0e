// What one serving thread answers when the node is scraped: its metric families as prom-client
// JSON and its V8 heap. Runs off the request path (a worker message, or the main thread's own
// registry when it serves alone).
import { getHeapStatistics } from 'node:v8'
import { threadId } from 'node:worker_threads'
import { threadRegistry, type MetricSnapshot } from './metric-family.ts'
import type { ThreadSnapshot } from './node-metrics.ts'

export async function threadSnapshot(): Promise<ThreadSnapshot> {
  const metrics: MetricSnapshot[] = threadRegistry.getMetricsAsJSON()
  return { threadId, heapBytes: getHeapStatistics().used_heap_size, metrics }
}
