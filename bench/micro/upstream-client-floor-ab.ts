/**
 * The floor proxy (bench/floor/server.ts, uWS + undici Pool#dispatch) against the same floor on the gateway's H1
 * client (bench/floor/server-h1.ts, core/proxy/h1-pool.ts): what the client swap saves in a whole proxy under wrk, per request.
 * Both floors run side by side on CPU 0 (mock and wrk on CPU 1), wrk drives one at a time, alternated A B B A ...;
 * each run's figure is the floor process's CPU time (utime + stime from /proc, all threads) over the requests it
 * answered, and with --gc the bytes V8 allocated and promoted per request (--trace-gc-nvp).
 *
 *   node --import tsx bench/micro/upstream-client-floor-ab.ts [--rounds 6] [--seconds 4] [--connections 50] [--gc]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { openaiChat } from '../scenarios/requests.ts'
import { parseWrk } from '../load/wrk.ts'
import { START_SEMI_SPACE_FLAG } from '../targets/gateway.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const { values } = parseArgs({ options: {
  rounds: { type: 'string', default: '6' }, seconds: { type: 'string', default: '4' }, connections: { type: 'string', default: '50' }, gc: { type: 'boolean' },
} })
const CLK_TCK = 100 // Linux USER_HZ
const children: ChildProcess[] = []
process.on('exit', () => { for (const c of children) c.kill('SIGKILL') })

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const x = f.slice(f.lastIndexOf(')') + 2).split(' ')
  return Number(x[11]) + Number(x[12])
}

interface Proc { pid: number; url: string; gc: { allocated: number; promoted: number } }
function start(cpu: number, script: string, args: string[], gc: boolean): Promise<Proc> {
  const c = spawn('taskset', ['-c', String(cpu), process.execPath, START_SEMI_SPACE_FLAG, ...(gc ? ['--trace-gc-nvp'] : []), '--import', 'tsx', join(ROOT, script), '--port', '0', ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(c)
  const acc = { allocated: 0, promoted: 0 }
  return new Promise((resolve, reject) => {
    let out = '', done = false
    c.stdout!.on('data', (d: Buffer) => {
      out += d
      const lines = out.split('\n'); out = lines.pop() ?? ''
      for (const line of lines) {
        const m = /listening (\d+)/.exec(line)
        if (m && !done) { done = true; resolve({ pid: c.pid!, url: `http://127.0.0.1:${m[1]}`, gc: acc }) }
        if (!/ gc=(s|mc|ms|mmc) /.test(line)) continue
        acc.allocated += Number(/ allocated=(\d+)/.exec(line)?.[1] ?? 0)
        if (/ gc=s /.test(line)) acc.promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0)
      }
    })
    c.once('exit', (code) => reject(new Error(`${script} exited ${code}`)))
  })
}

const req = openaiChat(false)
const dir = mkdtempSync(join(tmpdir(), 'client-floor-'))
const bodyFile = join(dir, 'body.json')
writeFileSync(bodyFile, req.body ?? '')
function wrk(url: string, seconds: number): Promise<{ requests: number; non2xx: number }> {
  const args = ['-c', '1', 'wrk', '-t1', `-c${values.connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', join(ROOT, 'bench/load/post.lua'),
    `${url}${req.path}`, '--', req.method, bodyFile, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`)]
  return new Promise((resolve, reject) => {
    const c = spawn('taskset', args)
    let out = ''
    c.stdout.on('data', (d: Buffer) => { out += d })
    c.once('exit', (code) => (code === 0 ? resolve(parseWrk(out)) : reject(new Error(`wrk ${code}: ${out}`))))
  })
}
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2 }

const mock = await start(1, 'bench/mock/server.ts', ['--gap-ms', '0'], false)
const floors = [
  { label: 'floor (undici)', ...(await start(0, 'bench/floor/server.ts', ['--upstream', mock.url], !!values.gc)), us: [] as number[], alloc: [] as number[], prom: [] as number[] },
  { label: 'floor (h1)', ...(await start(0, 'bench/floor/server-h1.ts', ['--upstream', mock.url], !!values.gc)), us: [] as number[], alloc: [] as number[], prom: [] as number[] },
]
for (const f of floors) await wrk(f.url, 2) // warm-up
for (let r = 0; r < Number(values.rounds); r++) {
  for (const f of r % 2 === 0 ? floors : [...floors].reverse()) {
    const [t0, a0, p0] = [cpuTicks(f.pid), f.gc.allocated, f.gc.promoted]
    const run = await wrk(f.url, Number(values.seconds))
    await new Promise((res) => setTimeout(res, 200)) // let the last GC lines arrive
    f.us.push(((cpuTicks(f.pid) - t0) * 1e6) / CLK_TCK / run.requests)
    f.alloc.push((f.gc.allocated - a0) / run.requests / 1024)
    f.prom.push((f.gc.promoted - p0) / run.requests / 1024)
    console.log(`round ${r + 1} ${f.label}: ${f.us.at(-1)!.toFixed(1)} µs/req, ${run.requests} req${run.non2xx ? `, ${run.non2xx} non-2xx` : ''}${values.gc ? `, ${f.alloc.at(-1)!.toFixed(2)} KB alloc, ${f.prom.at(-1)!.toFixed(3)} KB promoted` : ''}`)
  }
}
const [a, b] = floors as [typeof floors[0], typeof floors[0]]
const ratio = median(b.us.map((u, i) => u / a.us[i]!))
console.log(`\nc=${values.connections}, medians of ${values.rounds} rounds`)
for (const f of floors) console.log(`${f.label}: ${median(f.us).toFixed(1)} µs/req${values.gc ? `, ${median(f.alloc).toFixed(2)} KB alloc/req, ${median(f.prom).toFixed(3)} KB promoted/req` : ''}`)
console.log(`h1 / undici: ${((ratio - 1) * 100).toFixed(1)} % CPU per request (median of per-round ratios), ${(median(a.us.map((u, i) => u - b.us[i]!))).toFixed(1)} µs/req saved`)
process.exit(0)
