// A log-phase test plugin that hands kong.log.serialize() records to the test: `waitFor(id)`
// resolves with the record of the request that sent `x-test-id: <id>` (no polling, no sleeps).
// Enable it as a global plugin: `{ name: 'log-capture' }`.
import { Type } from 'typebox'
import { definePlugin } from '../../../../core/plugins/contract.ts'

export type LogRecord = Record<string, any>

export function logCapture(name = 'log-capture') {
  const records = new Map<string, LogRecord>()
  const waiters = new Map<string, (r: LogRecord) => void>()
  const plugin = definePlugin({
    name,
    version: '1.0.0',
    priority: 1,
    schema: Type.Object({}),
    log(kong) {
      const id = kong.request.getHeader('x-test-id')
      if (id === undefined) return
      const r = kong.log.serialize() as unknown as LogRecord
      const w = waiters.get(id)
      if (w) { waiters.delete(id); w(r) } else records.set(id, r)
    },
  })
  return {
    plugin,
    waitFor(id: string): Promise<LogRecord> {
      const r = records.get(id)
      if (r) { records.delete(id); return Promise.resolve(r) }
      return new Promise((resolve) => waiters.set(id, resolve))
    },
  }
}
