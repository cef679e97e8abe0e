// http-log (Kong priority 12): sends Kong's log record of each request to an HTTP endpoint, in
// batches, from a queue per plugin config; the request never waits for it.
import { definePlugin } from '../../core/plugins/contract.ts'
import { pluginLog } from '../../core/log.ts'
import { schema, type HttpLogConf } from './schema.ts'
import { BatchQueue } from './batch-queue.ts'
import { sendBatch } from './sender.ts'
import { undiciLoadError } from '../../core/proxy/load-undici.ts'

const queues = new WeakMap<HttpLogConf, BatchQueue<string>>()

export function queueFor(conf: HttpLogConf): BatchQueue<string> {
  let q = queues.get(conf)
  if (!q) queues.set(conf, (q = new BatchQueue(conf.queue, (batch) => sendBatch(conf, batch), pluginLog('http-log'))))
  return q
}

export default definePlugin({
  name: 'http-log',
  version: '1.0.0',
  priority: 12,
  schema,
  check() {
    // the sender's client, loaded by the first config that has this plugin: a failure refuses the config
    const loadError = undiciLoadError('package')
    return loadError === null ? null : { http_endpoint: loadError }
  },
  log(kong, conf) {
    queueFor(conf).add(JSON.stringify(kong.log.serialize()))
  },
})
