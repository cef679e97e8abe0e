/**
 * CPU per request of ai-proxy alone, + opentelemetry, + prometheus (every flag) + opentelemetry, measured on a
 * shared machine: the three gateways run side by side, wrk drives one at a time in rotation (A, B, C, A, B, C, …),
 * and each run's figure is the gateway process's CPU time (utime + stime from /proc, all threads) divided by the
 * requests it answered. Wall time and throughput are not used: other processes steal the cores at random, the CPU
 * a request costs is what stays. The runs are sequential, so each ratio also carries the machine's drift between
 * two moments (+12 % to +39 % for the same code in four runs on the 2-vCPU VM); the bench's figure for this cost is
 * the paired measure, `npm run bench -- --only obs-overhead` (both gateways at once on one core). Here the GC
 * figures (`--gc`) and profiles (`--prof`) are what stays useful. Prints each round and the medians; `--prof DIR` also writes V8 CPU profiles
 * (summarize them with bench/micro/cpuprofile-summary.ts).
 *
 * `--base DIR` adds the same three configs run from another checkout (e.g. the commit before a change, from
 * `git archive`), in the same rotation, so before and after share the machine's moods.
 *
 * `--gc` also sums V8's GC trace (--trace-gc-nvp) per run: bytes allocated and promoted per request, figures the
 * machine's load does not move (as bench/gc/gc-per-request.ts, for these configs).
 *
 *   node --import tsx bench/micro/obs-cost-ab.ts [--rounds 5] [--seconds 5] [--connections 50] [--prof DIR] [--base DIR] [--gc]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { aiProxy, proxyConfig, type PluginConf } from '../scenarios/kong-config.ts';
import { openaiChatKeyless } from '../scenarios/requests.ts';
import { freePort, waitForHttp } from '../proc/loopback.ts';
import { parseWrk } from '../load/wrk.ts';
import { START_SEMI_SPACE_FLAG } from '../targets/gateway.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    prof: { type: 'string' },
    only: { type: 'string' },
    base: { type: 'string' },
    gc: { type: 'boolean' },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CLK_TCK = 100; // Linux USER_HZ

const PROMETHEUS: PluginConf = { name: 'prometheus', config: { per_consumer: true, status_code_metrics: true, latency_metrics: true,
  bandwidth_metrics: true, upstream_health_metrics: true, ai_metrics: true } };
const otel = (mock: string): PluginConf => ({ name: 'opentelemetry', config: { traces_endpoint: `${mock}/v1/traces`, sampling_rate: 1 } });
const ALL: { label: string; plugins: (mock: string) => PluginConf[] }[] = [
  { label: 'ai-proxy', plugins: (m) => [aiProxy('openai', m)] },
  { label: '+prom', plugins: (m) => [aiProxy('openai', m), PROMETHEUS] },
  { label: '+otel', plugins: (m) => [aiProxy('openai', m), otel(m)] },
  { label: '+prom+otel', plugins: (m) => [aiProxy('openai', m), PROMETHEUS, otel(m)] },
];
const CONFIGS = ALL.filter((c) => !values.only || values.only.split(',').includes(c.label));

const children: ChildProcess[] = [];
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
}

async function startMock(): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/mock/server.ts'), '--port', '0'], { cwd: ROOT });
  children.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d; const m = /listening (\d+)/.exec(out); if (m) resolve(Number(m[1])); });
    child.once('exit', (c) => reject(new Error(`mock exited ${c}`)));
  });
  return `http://127.0.0.1:${port}`;
}

async function startGateway(root: string, dir: string, name: string, plugins: PluginConf[], mock: string): Promise<{ pid: number; port: number; child: ChildProcess; gc: { allocated: number; promoted: number; pause: number; mc: number } }> {
  const file = join(dir, `kong-${name}.yaml`);
  writeFileSync(file, stringify(proxyConfig(mock, plugins)));
  const [port, admin] = [await freePort(), await freePort()];
  const prof = values.prof ? ['--cpu-prof', '--cpu-prof-dir', join(values.prof, name)] : [];
  const trace = values.gc ? ['--trace-gc-nvp'] : [];
  const child = spawn(process.execPath, [START_SEMI_SPACE_FLAG, ...prof, ...trace, 'core/bin.mjs', 'start', '-c', file], {
    cwd: root,
    stdio: ['ignore', values.gc ? 'pipe' : 'inherit', 'inherit'],
    env: { ...process.env, KONG_PROXY_LISTEN: `127.0.0.1:${port}`, KONG_ADMIN_LISTEN: `127.0.0.1:${admin}`,
      KONG_NGINX_WORKER_PROCESSES: '1', KONG_LOG_LEVEL: 'error', KONG_TRACING_INSTRUMENTATIONS: process.env.KONG_TRACING_INSTRUMENTATIONS ?? 'all' },
  });
  children.push(child);
  const gc = { allocated: 0, promoted: 0, pause: 0, mc: 0 };
  let pending = '';
  child.stdout?.on('data', (d: Buffer) => {
    const lines = (pending + d.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!/ gc=(s|mc|ms|mmc) /.test(line)) continue;
      gc.allocated += Number(/ allocated=(\d+)/.exec(line)?.[1] ?? 0);
      gc.promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0);
      // pause (ms) of every GC; mark-compacts counted apart (what a promoted byte costs later)
      gc.pause += Number(/ pause=([\d.]+)/.exec(line)?.[1] ?? 0);
      if (!/ gc=s /.test(line)) gc.mc++;
    }
  });
  await waitForHttp(`http://127.0.0.1:${admin}/status`, { status: 200, timeoutMs: 60000 });
  return { pid: child.pid!, port, child, gc };
}

function wrk(port: number, bodyFile: string, seconds: number): Promise<{ requests: number; non2xx: number }> {
  const req = openaiChatKeyless(false);
  const args = ['-t1', `-c${values.connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', join(ROOT, 'bench/load/post.lua'),
    `http://127.0.0.1:${port}${req.path}`, '--', req.method, bodyFile, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`)];
  return new Promise((resolve, reject) => {
    const c = spawn('wrk', args);
    let out = '';
    c.stdout.on('data', (d: Buffer) => { out += d; });
    c.once('exit', (code) => (code === 0 ? resolve(parseWrk(out)) : reject(new Error(`wrk ${code}: ${out}`))));
  });
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };

const dir = mkdtempSync(join(tmpdir(), 'obs-cost-'));
const bodyFile = join(dir, 'body.json');
writeFileSync(bodyFile, openaiChatKeyless(false).body ?? '');
const mock = await startMock();
const gws = [];
const roots: [string, string][] = [['', ROOT], ...(values.base ? [['base ', values.base] as [string, string]] : [])];
for (const [tag, root] of roots) {
  for (const c of CONFIGS) {
    const label = `${tag}${c.label}`;
    gws.push({ label, ...(await startGateway(root, dir, label.replace(/\W/g, '_'), c.plugins(mock), mock)), us: [] as number[], requests: 0 });
  }
}
for (const g of gws) g.requests += (await wrk(g.port, bodyFile, 2)).requests; // warm-up: JIT, pools, series
for (let r = 0; r < ROUNDS; r++) {
  const line: string[] = [];
  for (const g of gws) {
    const t0 = cpuTicks(g.pid);
    const [a0, p0, pz0, mc0] = [g.gc.allocated, g.gc.promoted, g.gc.pause, g.gc.mc];
    const run = await wrk(g.port, bodyFile, SECONDS);
    const us = ((cpuTicks(g.pid) - t0) * 1e6) / CLK_TCK / run.requests;
    g.us.push(us);
    g.requests += run.requests;
    const gcNote = values.gc ? `, ${Math.round((g.gc.allocated - a0) / run.requests)} B alloc, ${Math.round((g.gc.promoted - p0) / run.requests)} B promoted, ${(((g.gc.pause - pz0) * 1000) / run.requests).toFixed(1)} µs GC pause, ${g.gc.mc - mc0} mark-compacts` : '';
    line.push(`${g.label} ${us.toFixed(1)} µs/req (${run.requests} req${run.non2xx ? `, ${run.non2xx} non-2xx` : ''}${gcNote})`);
  }
  console.log(`round ${r + 1}: ${line.join(' | ')}`);
}
for (let i = 0; i < gws.length; i += CONFIGS.length) {
  const first = gws[i]!;
  for (const g of gws.slice(i, i + CONFIGS.length)) {
    // per round against the same round's first config, then the median of those ratios (robust to a slow round)
    const ratio = median(g.us.map((u, r) => u / first.us[r]!));
    console.log(`median ${g.label}: ${median(g.us).toFixed(1)} µs/req (+${((ratio - 1) * 100).toFixed(1)} % vs ${first.label}, median of per-round ratios); ${g.requests} requests in all`);
  }
}
// SIGINT lets node write the --cpu-prof files
for (const g of gws) g.child.kill('SIGINT');
await Promise.all(gws.map((g) => new Promise((r) => g.child.once('exit', r))));
process.exit(0);
