// correlation-id's id generators (kong/plugins/correlation-id/handler.lua).
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'

export type GeneratorName = 'uuid' | 'uuid#counter' | 'tracker'

// one uuid per worker thread plus a counter: unique without a crypto call per request
const workerUuid = randomUUID()
let counter = 0
let trackerSeq = 0
const trackerPrefix = `${hostname()}-${process.pid}`

export const generators: Record<GeneratorName, (serverPort: number) => string> = {
  uuid: () => randomUUID(),
  'uuid#counter': () => `${workerUuid}#${++counter}`,
  // Kong: server_addr-server_port-pid-connection-connection_requests-now; uWS exposes no
  // connection serial, so a per-worker sequence stands in for the last three
  tracker: (port) => `${trackerPrefix}-${port}-${++trackerSeq}-${(Date.now() / 1000).toFixed(3)}`,
}
