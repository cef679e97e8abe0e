// Starts one gateway node: the Admin API on the main thread and the proxy either on the main
// thread (workers = 1) or on N worker threads, each its own uWS app on the same port
// (SO_REUSEPORT spreads connections). A config change is validated once here, then applied on
// every serving thread before POST /config answers.
import { Worker } from 'node:worker_threads'
import { Gateway } from './gateway.ts'
import type { Settings } from './settings.ts'
import type { AnyPlugin } from './plugins/contract.ts'
import { loadPlugins } from './plugins/loader.ts'
import { listenProxy, type Listener } from './server/proxy-server.ts'
import { listenAdmin } from './admin/admin-server.ts'
import { counterBuffer } from './server/counters.ts'
import { closeAllPools } from './proxy/pools.ts'
import { WORKER_ENTRY } from './paths.ts'
import type { WorkerData, WorkerMessage } from './server/worker.ts'

export interface NodeOptions {
  settings: Settings
  configText: string
  /** the bundled plugin list (worker threads import it themselves) */
  bundled: readonly AnyPlugin[]
}

export interface RunningNode {
  gateway: Gateway
  proxyPort: number
  adminPort: number | null
  workerThreads: number
  close(): Promise<void>
}

/**
 * Young generation of a proxy thread (3 × the semi-space): request garbage is short-lived, and a
 * small young generation keeps scavenges short (p99) and memory down at no measured CPU cost. The
 * main thread gets the same through `node --max-semi-space-size=2` in `npm start`.
 */
const YOUNG_GENERATION_MB = 6

interface ThreadHandle {
  worker: Worker
  pending: Map<number, { resolve: () => void; reject: (e: Error) => void }>
}

export async function startNode(opts: NodeOptions): Promise<RunningNode> {
  const { settings } = opts
  const plugins = await loadPlugins(settings.plugins, opts.bundled)
  const gateway = new Gateway(settings, plugins, opts.configText)
  const threads: ThreadHandle[] = []
  let proxy: Listener | null = null
  let proxyPort = settings.proxyListen.port

  if (settings.workers === 1) {
    proxy = await listenProxy(() => gateway.state, settings)
    proxyPort = proxy.port
  } else {
    if (proxyPort === 0) throw new Error('proxy_listen port 0 needs nginx_worker_processes=1 (worker threads must share a known port)')
    const ready: Promise<void>[] = []
    for (let i = 0; i < settings.workers; i++) {
      const data: WorkerData = { settings, configText: opts.configText, counters: counterBuffer() }
      const worker = new Worker(WORKER_ENTRY, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } })
      const handle: ThreadHandle = { worker, pending: new Map() }
      threads.push(handle)
      ready.push(new Promise((resolve, reject) => {
        worker.once('error', reject)
        worker.on('message', (m: WorkerMessage) => {
          if (m.type === 'ready') resolve()
          else if (m.type === 'failed') reject(new Error(m.error))
          else {
            const p = handle.pending.get(m.id)
            handle.pending.delete(m.id)
            if (m.type === 'applied') p?.resolve()
            else p?.reject(new Error(m.error))
          }
        })
      }))
    }
    await Promise.all(ready)
  }

  let seq = 0
  const broadcast = async (source: string): Promise<void> => {
    gateway.apply(source)
    const id = ++seq
    await Promise.all(threads.map((t) => new Promise<void>((resolve, reject) => {
      t.pending.set(id, { resolve, reject })
      t.worker.postMessage({ type: 'config', id, source })
    })))
  }

  const admin = settings.adminListen
    ? await listenAdmin({ gateway, settings, broadcast, workers: () => threads.map((t) => t.worker.threadId) })
    : null

  return {
    gateway,
    proxyPort,
    adminPort: admin?.port ?? null,
    workerThreads: threads.length,
    async close() {
      admin?.close()
      proxy?.close()
      // ask each worker to close its sockets and end; terminate only one that does not within 5 s
      await Promise.all(threads.map((t) => new Promise<void>((resolve) => {
        const timer = setTimeout(() => { void t.worker.terminate() }, 5_000)
        t.worker.once('exit', () => { clearTimeout(timer); resolve() })
        t.worker.postMessage({ type: 'stop' })
      })))
      await closeAllPools()
    },
  }
}
