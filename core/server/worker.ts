// A proxy worker thread: its own plugins, Gateway and uWS listener on the shared port, applying
// each config the main thread validated. A thread's entry point, so it may name the bundled
// plugin list (like core/cli.ts).
import '../linear-regex.ts' // first: linear-time regexes before any config compiles
import { parentPort, workerData } from 'node:worker_threads'
import { Gateway } from '../gateway.ts'
import type { Settings } from '../settings.ts'
import { BUNDLED } from '../../plugins/index.ts'
import { loadPlugins } from '../plugins/loader.ts'
import { listenProxy } from './proxy-server.ts'
import { adoptCounters } from './counters.ts'
import { adoptCounterTable } from '../counter-table/counter-table.ts'
import { closeAllPools } from '../proxy/pools.ts'
import { threadSnapshot } from '../status/thread-snapshot.ts'
import { rootLog } from '../log.ts'
import type { ThreadSnapshot } from '../status/node-metrics.ts'

export interface WorkerData {
  settings: Settings
  configText: string
  counters: SharedArrayBuffer
  /** the node's rate-limit counter table (core/counter-table) */
  rateCounters: SharedArrayBuffer
}

export type WorkerMessage =
  | { type: 'ready'; port: number }
  | { type: 'failed'; error: string }
  | { type: 'applied'; id: number }
  | { type: 'rejected'; id: number; error: string }
  | { type: 'metrics'; id: number; snapshot: ThreadSnapshot }

/** What the main thread sends a worker. */
export type MainMessage = { type: 'config'; id: number; source: string } | { type: 'stop' } | { type: 'metrics'; id: number }

async function main(): Promise<void> {
  const data = workerData as WorkerData
  const port = parentPort!
  adoptCounters(data.counters)
  adoptCounterTable(data.rateCounters)
  try {
    const gateway = new Gateway(data.settings, await loadPlugins(data.settings.plugins, BUNDLED), data.configText)
    const listener = await listenProxy(() => gateway.state, data.settings)
    let closed = false
    const closeListener = (): void => {
      if (closed) return
      closed = true
      listener.close()
    }
    // A thread that ends with uWS sockets open aborts the whole process (libuv: "uv_loop_close()
    // while having open handles"). However this thread ends (an uncaught exception, a plugin's
    // process.exit), its sockets close first, so only this thread dies and the main thread
    // replaces it.
    process.on('exit', closeListener)
    port.on('message', (m: MainMessage) => {
      if (m.type === 'metrics') {
        // a scrape: answered between requests, nothing waits on it in the proxy path
        // a failure is logged, never left unhandled (that would end the thread); the scrape then uses this worker's last answer
        threadSnapshot().then(
          (snapshot) => port.postMessage({ type: 'metrics', id: m.id, snapshot } satisfies WorkerMessage),
          (err: unknown) => rootLog.error({ err }, 'metrics snapshot failed'),
        )
        return
      }
      if (m.type === 'stop') {
        // close every handle so the thread ends by itself (terminating it with uWS sockets open aborts Node)
        closeListener()
        void closeAllPools().then(() => port.close())
        return
      }
      try {
        gateway.apply(m.source)
        port.postMessage({ type: 'applied', id: m.id } satisfies WorkerMessage)
      } catch (e) {
        port.postMessage({ type: 'rejected', id: m.id, error: (e as Error).message } satisfies WorkerMessage)
      }
    })
    port.postMessage({ type: 'ready', port: listener.port } satisfies WorkerMessage)
  } catch (e) {
    port.postMessage({ type: 'failed', error: (e as Error).message } satisfies WorkerMessage)
  }
}

void main()
