/**
 * undici `Pool#dispatch` (classic handler callbacks, the gateway's core/proxy/upstream-call.ts shape, the
 * gateway's Pool options) against the gateway's H1 client, core/proxy/h1-pool.ts (Node's
 * llhttp binding over net.Socket, a keep-alive HTTP/1.1 pool), same handler, same upstream: bench/mock/server.ts on 127.0.0.1 in its own
 * process (its CPU is not counted).
 *
 * Each round runs every scenario in a fresh child process per client, alternated A B A B ..., so the machine's
 * moods hit both; tables show medians over rounds. Per request: the child's CPU time (process.cpuUsage, all
 * threads) over a fixed count after a warm-up, bytes allocated and promoted (V8's --trace-gc-nvp lines between a
 * forced GC before and after the measured window, the semi-space of `npm start`), and for c=1 the p50 /
 * p99 round trip (wall time; the upstream's share is the same for both, the difference is the client's).
 *
 *   node --import tsx bench/micro/upstream-client-ab.ts [--rounds 5] [--n 4000] [--only post-c1,sse18-c50]
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Pool } from 'undici'
import diagnostics from 'node:diagnostics_channel'
import { H1Pool } from '../../core/proxy/h1-pool.ts'
import { h1Request } from '../../core/proxy/h1-request.ts'
import { openaiChat } from '../scenarios/requests.ts'
import { START_SEMI_SPACE_FLAG } from '../targets/gateway.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    n: { type: 'string', default: '4000' },
    only: { type: 'string' },
    child: { type: 'string' },
    upstream: { type: 'string' },
  },
})
const N = Number(values.n)

interface Scenario { name: string; conc: number; method: 'GET' | 'POST'; path: string; body: Buffer | null; extra: string[]; latency: boolean }
const chat = openaiChat(false)
const chatStream = openaiChat(true)
const ALL_SCENARIOS: Scenario[] = [
  { name: 'get-c1', conc: 1, method: 'GET', path: '/', body: null, extra: [], latency: true },
  { name: 'post-c1', conc: 1, method: 'POST', path: chat.path, body: Buffer.from(chat.body ?? ''), extra: [], latency: true },
  { name: 'post-c50', conc: 50, method: 'POST', path: chat.path, body: Buffer.from(chat.body ?? ''), extra: [], latency: false },
  // a short chunked answer: three SSE events in chunked transfer-encoding
  { name: 'chunked-c1', conc: 1, method: 'POST', path: chatStream.path, body: Buffer.from(chatStream.body ?? ''), extra: ['x-mock-chunks', '3'], latency: true },
  { name: 'sse18-c1', conc: 1, method: 'POST', path: chatStream.path, body: Buffer.from(chatStream.body ?? ''), extra: ['x-mock-chunks', '18'], latency: true },
  { name: 'sse18-c50', conc: 50, method: 'POST', path: chatStream.path, body: Buffer.from(chatStream.body ?? ''), extra: ['x-mock-chunks', '18'], latency: false },
]
const SCENARIOS = ALL_SCENARIOS.filter((s) => !values.only || values.only.split(',').includes(s.name))

// ---------------------------------------------------------------- child: one client, every scenario
interface Dispatcher { dispatch(req: object, h: object): void; close(): void }

/** The handler both clients drive: the shape of core/proxy/upstream-call.ts's UpstreamCall, sink reduced to counters. */
class Call {
  private abortFn: ((e?: Error) => void) | null = null
  status = 0
  bytes = 0
  constructor(private readonly done: (c: Call, err: Error | null) => void) {}
  onConnect(abort: (e?: Error) => void): void { this.abortFn = abort }
  onHeaders(status: number, raw: unknown[], _resume: () => void): boolean {
    if (status < 200) return true
    this.status = status
    this.bytes += raw.length
    return true
  }
  onData(chunk: Buffer): boolean { this.bytes += chunk.length; return true }
  onComplete(): void { this.abortFn = null; this.done(this, null) }
  onError(err: Error): void { this.abortFn = null; this.done(this, err) }
}

function headersFor(s: Scenario, host: string): string[] {
  const h = Object.entries(s.method === 'GET' ? {} : chat.headers).flatMap(([k, v]) => [k.toLowerCase(), v])
  // what core/proxy/upstream-request.ts adds to every proxied request
  h.push('host', host, 'x-forwarded-for', '127.0.0.1', 'x-forwarded-proto', 'http', 'x-forwarded-host', 'localhost',
    'x-forwarded-port', '8000', 'x-forwarded-path', s.path, 'x-real-ip', '127.0.0.1', ...s.extra)
  return h
}

async function runScenario(client: Dispatcher, s: Scenario, host: string, count: number, lat: Float64Array | null): Promise<{ errors: number; bytes: number }> {
  const headers = headersFor(s, host)
  let started = 0, finished = 0, errors = 0, bytes = 0
  const t0 = new Float64Array(s.conc)
  return new Promise((resolve) => {
    const next = (slot: number): void => {
      if (started >= count) return
      started++
      if (lat) t0[slot] = performance.now()
      client.dispatch({ method: s.method, path: s.path, headers, body: s.body, headersTimeout: 60_000, bodyTimeout: 60_000 },
        new Call((c, err) => {
          if (lat) lat[finished] = performance.now() - t0[slot]!
          if (err || c.status !== 200) { errors++; if (errors === 1) console.error(`${s.name}: ${err?.message ?? c.status}`) }
          bytes += c.bytes
          if (++finished === count) resolve({ errors, bytes })
          else setImmediate(next, slot) // out of the client's callback, as the gateway's next request arrives
        }))
    }
    for (let i = 0; i < s.conc; i++) next(i)
  })
}

/** The H1 pool behind undici's dispatch shape: the request head is built per request, as the gateway does. */
function h1Dispatcher(pool: H1Pool): Dispatcher & { pool: H1Pool } {
  return {
    pool,
    dispatch: (r: object, h: object) => {
      const q = r as { method: string; path: string; headers: string[]; body: Buffer | string | null; headersTimeout: number; bodyTimeout: number }
      pool.dispatch(h1Request(q.method, q.path, q.headers, q.body, q.headersTimeout, q.bodyTimeout)!, h as never)
    },
    close: () => { void pool.close() },
  }
}

async function child(kind: string, upstream: string): Promise<void> {
  const u = new URL(upstream)
  const client: Dispatcher = kind === 'undici'
    ? new Pool(upstream, { pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000, connections: 50, connect: { timeout: 10_000 } }) as unknown as Dispatcher
    : h1Dispatcher(new H1Pool(u.hostname, Number(u.port), { connectTimeout: 10_000 }))
  // sockets opened, to show keep-alive reuse is the same for both
  let undiciOpened = 0
  diagnostics.subscribe('undici:client:connected', () => { undiciOpened++ })
  const opened = (): number => kind === 'undici' ? undiciOpened : (client as unknown as { pool: H1Pool }).pool.opened
  const gc = (globalThis as { gc?: () => void }).gc!
  for (const s of SCENARIOS) {
    await runScenario(client, s, u.host, Math.min(N, 2000), null) // warm-up: JIT, sockets
    const lat = s.latency ? new Float64Array(N) : null
    gc()
    console.log(`MARK begin ${s.name}`)
    const c0 = process.cpuUsage()
    const { errors, bytes } = await runScenario(client, s, u.host, N, lat)
    const c = process.cpuUsage(c0)
    gc()
    let p50 = 0, p99 = 0
    if (lat) { lat.sort(); p50 = lat[Math.floor(N * 0.5)]!; p99 = lat[Math.floor(N * 0.99)]! }
    console.log(`RESULT ${JSON.stringify({ name: s.name, cpuUs: (c.user + c.system) / N, errors, p50, p99, bytesPerReq: bytes / N, opened: opened() })}`)
  }
  client.close()
  process.exit(0)
}

// ---------------------------------------------------------------- parent: mock, rounds, tables
const children: ChildProcess[] = []
process.on('exit', () => { for (const c of children) c.kill('SIGKILL') })
const hasTaskset = (() => { try { execFileSync('taskset', ['-c', '0', 'true']); return true } catch { return false } })()
const pinned = (cpu: number, args: string[]): [string, string[]] => hasTaskset ? ['taskset', ['-c', String(cpu), ...args]] : [args[0]!, args.slice(1)]

async function startMock(): Promise<string> {
  const [cmd, args] = pinned(1, [process.execPath, '--import', 'tsx', join(ROOT, 'bench/mock/server.ts'), '--port', '0', '--gap-ms', '0'])
  const c = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(c)
  return new Promise((resolve, reject) => {
    let out = ''
    c.stdout!.on('data', (d: Buffer) => { out += d; const m = /listening (\d+)/.exec(out); if (m) resolve(`http://127.0.0.1:${m[1]}`) })
    c.once('exit', (code) => reject(new Error(`mock exited ${code}`)))
  })
}

interface Row { cpuUs: number; allocKB: number; promotedKB: number; p50: number; p99: number; errors: number }

function runChild(kind: string, upstream: string): Promise<Map<string, Row>> {
  const [cmd, args] = pinned(0, [process.execPath, '--expose-gc', '--trace-gc-nvp', START_SEMI_SPACE_FLAG, '--import', 'tsx',
    fileURLToPath(import.meta.url), '--child', kind, '--upstream', upstream, '--n', String(N), ...(values.only ? ['--only', values.only] : [])])
  const c = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(c)
  const rows = new Map<string, Row>()
  let alloc = 0, promoted = 0, inWindow = false, pending = ''
  c.stdout!.on('data', (d: Buffer) => {
    const lines = (pending + d.toString()).split('\n')
    pending = lines.pop() ?? ''
    for (const line of lines) {
      if (line.startsWith('MARK begin')) { inWindow = true; alloc = 0; promoted = 0; continue }
      if (line.startsWith('RESULT ')) {
        inWindow = false
        const r = JSON.parse(line.slice(7)) as { name: string; cpuUs: number; errors: number; p50: number; p99: number; bytesPerReq: number; opened: number }
        if (process.env.AB_VERBOSE) console.log(`${kind} ${r.name}: ${r.bytesPerReq} B (+ header count) per request, ${r.opened} sockets opened so far`)
        rows.set(r.name, { cpuUs: r.cpuUs, allocKB: alloc / N / 1024, promotedKB: promoted / N / 1024, p50: r.p50, p99: r.p99, errors: r.errors })
        continue
      }
      if (!inWindow || !/ gc=(s|mc|ms|mmc) /.test(line)) continue
      alloc += Number(/ allocated=(\d+)/.exec(line)?.[1] ?? 0)
      if (/ gc=s /.test(line)) promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0)
    }
  })
  return new Promise((resolve, reject) => c.once('exit', (code) => (code === 0 ? resolve(rows) : reject(new Error(`${kind} child exited ${code}`)))))
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2 }

async function parent(): Promise<void> {
  const upstream = await startMock()
  const KINDS = ['undici', 'h1']
  const all = new Map<string, Map<string, Row[]>>(KINDS.map((k) => [k, new Map()]))
  for (let r = 0; r < Number(values.rounds); r++) {
    // A B, then B A: neither client always runs first
    for (const kind of r % 2 === 0 ? KINDS : [...KINDS].reverse()) {
      const rows = await runChild(kind, upstream)
      for (const [name, row] of rows) { const m = all.get(kind)!; if (!m.has(name)) m.set(name, []); m.get(name)!.push(row) }
      console.log(`round ${r + 1} ${kind}: ${[...rows].map(([n, x]) => `${n} ${x.cpuUs.toFixed(1)} µs`).join(', ')}`)
    }
  }
  console.log(`\nmedians of ${values.rounds} rounds, ${N} requests per scenario per round (CPU = this client process, all threads)\n`)
  console.log('| scenario | client | CPU µs/req | KB alloc/req | KB promoted/req | c=1 p50 / p99 ms | errors |')
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |')
  for (const s of SCENARIOS) {
    const base = all.get('undici')!.get(s.name)
    for (const kind of KINDS) {
      const rows = all.get(kind)!.get(s.name)
      if (!rows || !base) continue
      const cpu = median(rows.map((x) => x.cpuUs))
      // per-round ratio against the same round's undici run, then the median
      const ratio = kind === 'undici' ? '' : ` (${((median(rows.map((x, i) => x.cpuUs / base[i]!.cpuUs)) - 1) * 100).toFixed(0)} %)`
      const lat = s.latency ? `${median(rows.map((x) => x.p50)).toFixed(3)} / ${median(rows.map((x) => x.p99)).toFixed(3)}` : '—'
      console.log(`| ${s.name} | ${kind} | ${cpu.toFixed(1)}${ratio} | ${median(rows.map((x) => x.allocKB)).toFixed(2)} | ${median(rows.map((x) => x.promotedKB)).toFixed(3)} | ${lat} | ${rows.reduce((a, x) => a + x.errors, 0)} |`)
    }
  }
  process.exit(0)
}

if (values.child) await child(values.child, values.upstream!)
else await parent()
