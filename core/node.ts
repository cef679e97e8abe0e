// Starts one gateway node: the Admin API on the main thread and the proxy either on the main
// thread (workers = 1) or on N worker threads, each its own uWS app on the same port
// (SO_REUSEPORT spreads connections). A config change is validated once here, then applied on
// every serving thread before POST /config answers. A worker that dies is replaced.
import { Worker } from 'node:worker_threads'
import { Gateway } from './gateway.ts'
import type { Settings } from './settings.ts'
import type { AnyPlugin } from './plugins/contract.ts'
import { loadPlugins } from './plugins/loader.ts'
import { listenProxy, type Listener } from './server/proxy-server.ts'
import { listenAdmin } from './admin/admin-server.ts'
import { counterBuffer } from './server/counters.ts'
import { createCounterTable } from './counter-table/counter-table.ts'
import { closeAllPools } from './proxy/pools.ts'
import { WORKER_ENTRY } from './paths.ts'
import { rootLog } from './log.ts'
import type { MainMessage, WorkerData, WorkerMessage } from './server/worker.ts'
import { NodeMetrics, type ThreadSnapshot } from './status/node-metrics.ts'
import { threadSnapshot } from './status/thread-snapshot.ts'
import { listenStatus } from './status/status-server.ts'
import type { Readiness } from './status/readiness.ts'

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
  /** the Status API's port (KONG_STATUS_LISTEN), null when off */
  statusPort: number | null
  workerThreads: number
  /** the node's metrics in Prometheus' text format (every thread's, summed) */
  metrics(): Promise<string>
  close(): Promise<void>
}

/**
 * Young generation of a worker thread (3 × an 8 MB semi-space). The main thread, which serves
 * alone with one worker process, gets `node --max-semi-space-size=4` in `npm start`. Under
 * concurrency a scavenge must come rarely enough that most requests in flight finish between two:
 * with 2 MB semi-spaces (a scavenge every ~50 ai-proxy requests at c=50) every request's state was
 * copied twice and promoted (4.5–9 KB per request), old space filled, and mark-compacts took
 * 20–30 % of the CPU. Since requests allocate less (~20 KB per ai-proxy request), 4 MB promotes
 * 1–2 B per request at c=50 (a scavenge every ~170 requests), as 8 MB does, and saves ~8 MB RSS
 * with 1000 open streams; worker threads keep 8 MB semi-spaces until measured the same way.
 */
const YOUNG_GENERATION_MB = 24
/**
 * Old generation cap of a proxy thread, as the main thread gets through `--max-old-space-size=1536`
 * in `npm start`. V8 lets the old generation grow to up to 4× what the last mark-compact kept when
 * the cap is 2 GB or more (the default here is ~4 GB), 1.8× at 1.5 GB: with 1000 open ai-proxy
 * streams (whose state is promoted: they outlive two scavenges) peak RSS went from 170–215 MB to
 * ~140 MB, with no measurable CPU cost per stream (bench/memory/rss-breakdown.ts --stream-seconds 25).
 */
const OLD_GENERATION_MB = 1536

interface ThreadHandle {
  worker: Worker
  /** config broadcasts this worker has not answered yet */
  pending: Map<number, { resolve: () => void; reject: (e: Error) => void }>
  /** the thread has ended (its replacement, if any, gets a handle of its own) */
  exited: boolean
  /** the thread serves (it said 'ready') */
  ready: boolean
  /** scrapes this worker has not answered yet */
  scrapes: Map<number, (s: ThreadSnapshot | null) => void>
  /** its last answer to a scrape: what it counted stays in the node's totals when it ends */
  last: ThreadSnapshot | null
}

/** How long a scrape waits for a busy worker before using that worker's previous answer. */
const SCRAPE_WAIT_MS = 2_000

/** Restart delay after a worker died `fails` times in a row without becoming ready (0 first). */
function restartDelay(fails: number): number {
  return fails <= 1 ? 0 : Math.min(30_000, 100 * 2 ** (fails - 2))
}

export async function startNode(opts: NodeOptions): Promise<RunningNode> {
  const { settings } = opts
  const plugins = await loadPlugins(settings.plugins, opts.bundled)
  // the node's rate-limit counters: one table for every thread, kept across reloads and restarts
  const rateCounters = createCounterTable().buffer
  const gateway = new Gateway(settings, plugins, opts.configText)
  const threads: ThreadHandle[] = []
  let proxy: Listener | null = null
  let proxyPort = settings.proxyListen.port
  /** the config every serving thread runs: a restarted worker starts with it */
  let currentConfig = opts.configText
  let closing = false
  const restarts = new Set<NodeJS.Timeout>()
  let scrapeSeq = 0
  const askWorker = (t: ThreadHandle): Promise<ThreadSnapshot | null> => new Promise((resolve) => {
    if (t.exited || !t.ready) return resolve(null)
    const id = ++scrapeSeq
    const timer = setTimeout(() => { t.scrapes.delete(id); resolve(t.last) }, SCRAPE_WAIT_MS)
    timer.unref() // a scrape never keeps the process alive
    t.scrapes.set(id, (snap) => { clearTimeout(timer); resolve(snap) })
    t.worker.postMessage({ type: 'metrics', id } satisfies MainMessage)
  })
  const metrics = new NodeMetrics(async () => {
    if (settings.workers === 1) return [await threadSnapshot()]
    const answers = await Promise.all(threads.map(askWorker))
    return answers.filter((a): a is ThreadSnapshot => a !== null)
  })

  /**
   * Starts the worker of slot `i`. A worker that dies (an uncaught exception, process.exit in a
   * plugin) is logged and replaced with one on the current config; broadcasts it had not
   * answered are rejected at once, so POST /config answers instead of waiting forever.
   */
  const spawn = (i: number, fails: number, onReady?: { resolve: () => void; reject: (e: Error) => void }): void => {
    const data: WorkerData = { settings, configText: currentConfig, counters: counterBuffer(), rateCounters }
    const worker = new Worker(WORKER_ENTRY, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB, maxOldGenerationSizeMb: OLD_GENERATION_MB } })
    const handle: ThreadHandle = { worker, pending: new Map(), exited: false, ready: false, scrapes: new Map(), last: null }
    const threadId = worker.threadId // -1 once the thread has ended
    threads[i] = handle
    let ready = false
    let lastError: Error | null = null
    worker.on('error', (e) => { lastError = e })
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'metrics') {
        handle.last = m.snapshot
        const answer = handle.scrapes.get(m.id)
        handle.scrapes.delete(m.id)
        return answer?.(m.snapshot)
      }
      if (m.type === 'ready') {
        ready = true
        handle.ready = true
        if (onReady) onReady.resolve()
        else rootLog.info({ thread_id: threadId }, 'proxy worker restarted')
      }
      else if (m.type === 'failed') onReady?.reject(new Error(m.error))
      else {
        const p = handle.pending.get(m.id)
        handle.pending.delete(m.id)
        if (m.type === 'applied') p?.resolve()
        else p?.reject(new Error(m.error))
      }
    })
    worker.once('exit', (code) => {
      handle.exited = true
      const died = new Error(`proxy worker ${threadId} exited (code ${code})`)
      for (const p of handle.pending.values()) p.reject(died)
      handle.pending.clear()
      for (const answer of handle.scrapes.values()) answer(null)
      handle.scrapes.clear()
      if (handle.last) metrics.retire(handle.last)
      if (closing) return
      if (onReady && !ready) return onReady.reject(lastError ?? died) // start-up: startNode fails
      const again = ready ? 1 : fails + 1
      rootLog.error({ thread_id: threadId, code, err: lastError ?? undefined, restarts_in_ms: restartDelay(again) }, 'proxy worker died; starting a new one')
      const timer = setTimeout(() => { restarts.delete(timer); if (!closing) spawn(i, again) }, restartDelay(again))
      restarts.add(timer)
    })
  }

  if (settings.workers === 1) {
    proxy = await listenProxy(() => gateway.state, settings)
    proxyPort = proxy.port
  } else {
    if (proxyPort === 0) throw new Error('proxy_listen port 0 needs nginx_worker_processes=1 (worker threads must share a known port)')
    const ready: Promise<void>[] = []
    for (let i = 0; i < settings.workers; i++) ready.push(new Promise((resolve, reject) => spawn(i, 0, { resolve, reject })))
    await Promise.all(ready)
  }

  let seq = 0
  const broadcast = async (source: string): Promise<void> => {
    gateway.apply(source)
    currentConfig = source
    const id = ++seq
    await Promise.all(threads.map((t) => new Promise<void>((resolve, reject) => {
      if (t.exited) return resolve() // its replacement is not started yet and will start on this config
      t.pending.set(id, { resolve, reject })
      t.worker.postMessage({ type: 'config', id, source } satisfies MainMessage)
    })))
  }

  const metricsText = (): Promise<string> => metrics.text()
  const readiness = (): Readiness => ({
    expected: settings.workers,
    ready: settings.workers === 1 ? (proxy ? 1 : 0) : threads.filter((t) => t.ready && !t.exited).length,
    snapshot: gateway.state.snapshot,
  })
  const admin = settings.adminListen
    ? await listenAdmin({ gateway, settings, broadcast, workers: () => threads.map((t) => t.worker.threadId), metrics: metricsText })
    : null
  const status = settings.statusListen
    ? await listenStatus({ settings, readiness, metrics: metricsText })
    : null

  return {
    gateway,
    proxyPort,
    adminPort: admin?.port ?? null,
    statusPort: status?.port ?? null,
    workerThreads: threads.length,
    metrics: metricsText,
    async close() {
      closing = true
      for (const t of restarts) clearTimeout(t)
      admin?.close()
      status?.close()
      proxy?.close()
      // ask each worker to close its sockets and end; terminate only one that does not within 5 s
      await Promise.all(threads.map((t) => new Promise<void>((resolve) => {
        if (t.exited) return resolve()
        const timer = setTimeout(() => { void t.worker.terminate() }, 5_000)
        t.worker.once('exit', () => { clearTimeout(timer); resolve() })
        t.worker.postMessage({ type: 'stop' } satisfies MainMessage)
      })))
      await closeAllPools()
    },
  }
}
