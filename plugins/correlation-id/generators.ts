// correlation-id's id generators (kong/plugins/correlation-id/handler.lua).
import { randomUUID } from 'node:crypto'
import { networkInterfaces } from 'node:os'

export type GeneratorName = 'uuid' | 'uuid#counter' | 'tracker'

// one uuid per worker thread plus a counter: unique without a crypto call per request
const workerUuid = randomUUID()
let counter = 0
let trackerSeq = 0

/**
 * nginx's $server_addr is the local address of the accepted connection; uWebSockets.js does not
 * expose it, so this server's first external IPv4 address stands in (127.0.0.1 without one).
 * Looked up once: interfaces do not change per request.
 */
export const serverAddress: string = (() => {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address
  }
  return '127.0.0.1'
})()

export const generators: Record<GeneratorName, (serverPort: number) => string> = {
  uuid: () => randomUUID(),
  'uuid#counter': () => `${workerUuid}#${++counter}`,
  // Kong: server_addr-server_port-pid-connection-connection_requests-now (six fields). uWS exposes
  // no connection serial, so a per-worker sequence stands in for `connection`, which keeps ids
  // unique; `connection_requests` is then 1, each id naming its own "connection".
  tracker: (port) => `${serverAddress}-${port}-${process.pid}-${++trackerSeq}-1-${(Date.now() / 1000).toFixed(3)}`,
}
