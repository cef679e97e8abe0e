// Preloaded into the gateway by bench/memory/rss-breakdown.ts (`node --import`), never by the gateway itself.
// On SIGUSR2 the main thread writes one JSON file (TOLLGATE_HEAP_PROBE_OUT) with its own V8 heap, spaces and
// loaded CommonJS files, plus the same from every worker thread: workers cannot take signals, so the main
// thread asks them on a BroadcastChannel and waits at most 1 s for their answers. When the file
// `<out>.gc` exists, each thread runs a full GC first: the live heap, not where the sawtooth is.
// When the file `<out>.snapshot` exists, the main thread also writes a heap snapshot to the path it holds
// (for bench/memory/heap-snapshot-summary.ts: what each open stream keeps).
import v8 from 'node:v8'
import vm from 'node:vm'
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads'

const require = createRequire(import.meta.url)
const CHANNEL = 'tollgate-heap-probe'
v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') // this isolate's gc(), without --expose-gc on the command line

function sample(fullGc) {
  if (fullGc) gc()
  return {
    threadId,
    heap: v8.getHeapStatistics(),
    spaces: v8.getHeapSpaceStatistics().map((s) => ({ name: s.space_name, size: s.space_size, used: s.space_used_size })),
    cjs: Object.keys(require.cache),
    builtins: process.moduleLoadList.length,
  }
}

const channel = new BroadcastChannel(CHANNEL)
channel.unref() // the probe never keeps a thread alive
if (isMainThread) {
  const out = process.env.TOLLGATE_HEAP_PROBE_OUT
  const workers = []
  channel.onmessage = (e) => { if (e.data?.type === 'sample') workers.push(e.data.sample) }
  process.on('SIGUSR2', () => {
    workers.length = 0
    const fullGc = existsSync(`${out}.gc`)
    channel.postMessage({ type: 'ask', fullGc })
    setTimeout(() => {
      const file = `${out}.tmp`
      const threads = [sample(fullGc), ...workers]
      // before the answer, so the reader waits for the snapshot to be complete
      if (existsSync(`${out}.snapshot`)) {
        const to = readFileSync(`${out}.snapshot`, 'utf8')
        rmSync(`${out}.snapshot`)
        v8.writeHeapSnapshot(to)
      }
      writeFileSync(file, JSON.stringify({ threads }))
      renameSync(file, out) // the reader polls for `out`: it sees a whole file or none
    }, 1000)
  })
} else {
  channel.onmessage = (e) => { if (e.data?.type === 'ask') channel.postMessage({ type: 'sample', sample: sample(e.data.fullGc === true) }) }
}
