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
import { adoptCounterTable } from '../shared-counters/counter-table.ts'
import { closeAllPools } from '../proxy/pools.ts'

export interface WorkerData {
  settings: Settings
  configText: string
  counters: SharedArrayBuffer
  /** the node's rate-limit counter table (core/shared-counters) */
  rateCounters: SharedArrayBuffer
}

export type WorkerMessage =
  | { type: 'ready'; port: number }
  | { type: 'failed'; error: string }
  | { type: 'applied'; id: number }
  | { type: 'rejected'; id: number; error: string }

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
    port.on('message', (m: { type: 'config'; id: number; source: string } | { type: 'stop' }) => {
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
