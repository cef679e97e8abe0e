// A worker thread that counts in a shared table as fast as it can (counter-table.test.ts).
import { register } from 'tsx/esm/api'
import { parentPort, workerData } from 'node:worker_threads'

register()
const { CounterTable } = await import('../../../core/counter-table/counter-table.ts')
const { buffer, op, key, times, limit } = workerData
const t = new CounterTable(buffer)
let admitted = 0
for (let i = 0; i < times; i++) {
  if (op === 'add') t.add(key, 0, 60_000, 1)
  else if (t.addWithin(key, 0, 60_000, 1, limit) >= 0) admitted++
}
parentPort.postMessage(admitted)
