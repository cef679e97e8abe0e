/**
 * Short run: CPU per request of ai-proxy alone vs ai-proxy + rate-limiting (redis) + ai-rate-limiting-advanced
 * (redis), on one gateway thread pinned to CPU 0, wrk and the mock on CPU 1, a throwaway redis-server.
 * Rounds alternate the set-ups (A B C A B C ...); the figure is the gateway's utime+stime (/proc) ÷ requests,
 * median over rounds. The limits are far above the load, so every request is counted and none is refused.
 *
 *   node --import tsx bench/rate-limits.ts [--rounds 3] [--duration 5] [--profile DIR]
 *
 * --profile DIR: the gateway of the last set-up (both limiters, sync_rate 1) runs under --cpu-prof and writes
 * its profiles (main thread and worker) to DIR; its CPU figure then includes the profiler's cost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer } from 'node:net';
import { openaiChatKeyless, OPENAI_MODEL } from './scenarios/requests.ts';
import { START_SEMI_SPACE_FLAG } from './targets/gateway.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, duration: { type: 'string', default: '5' }, profile: { type: 'string' } } });
const ROUNDS = Number(values.rounds);
const DURATION = Number(values.duration);
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tollgate-rl-bench-'));
const children: ChildProcess[] = [];
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

const freePort = () => new Promise<number>((r) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => r(p)); }); });

function start(cmd: string, args: string[], ready: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const c = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(c);
  let out = '';
  return new Promise((resolve, reject) => {
    const on = (b: Buffer) => { out += b.toString(); if (out.includes(ready)) resolve(c); };
    c.stdout!.on('data', on);
    c.stderr!.on('data', on);
    c.once('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${out.slice(-500)}`)));
  });
}

const cpuTicks = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
};

function wrk(port: number, bodyFile: string, headers: Record<string, string>): Promise<number> {
  const args = ['1', 'wrk', '-t1', '-c50', `-d${DURATION}s`, '-s', join(root, 'bench/load/post.lua'), `http://127.0.0.1:${port}/v1/chat/completions`, '--', 'POST', bodyFile,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return new Promise((resolve, reject) => {
    const c = spawn('taskset', ['-c', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    c.once('exit', () => {
      const m = /(\d+) requests in/.exec(out);
      if (/Non-2xx/.test(out)) return reject(new Error(`errors: ${out}`));
      m ? resolve(Number(m[1])) : reject(new Error(out));
    });
  });
}

const redisPort = await freePort();
await start('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], 'Ready to accept connections');
const mockPort = await freePort();
await start('taskset', ['-c', '1', process.execPath, '--import', 'tsx', 'bench/mock/server.ts', '--port', String(mockPort)], 'listening');
const mock = `http://127.0.0.1:${mockPort}`;

const aiProxy = { name: 'ai-proxy', config: {
  route_type: 'llm/v1/chat', auth: { header_name: 'Authorization', header_value: 'Bearer sk-bench-0123456789abcdef' },
  model: { provider: 'openai', name: OPENAI_MODEL, options: { upstream_url: `${mock}/v1/chat/completions` } },
  logging: { log_statistics: true, log_payloads: false },
} };
const redis = { host: '127.0.0.1', port: redisPort };
const rateLimiting = (syncRate: number) => ({ name: 'rate-limiting', config: { second: 1e9, minute: 1e9, hour: 1e9, limit_by: 'ip', policy: 'redis', redis, sync_rate: syncRate } });
const tokenLimits = { name: 'ai-rate-limiting-advanced', config: {
  llm_providers: [{ name: 'openai', limit: [1e12, 1e12], window_size: [60, 3600] }], identifier: 'ip', strategy: 'redis', sync_rate: 1, redis,
} };
const SETUPS: [string, object[]][] = [
  ['ai-proxy', [aiProxy]],
  ['ai-proxy + rate-limiting(redis, sync_rate -1) + ai-rate-limiting-advanced(redis)', [aiProxy, rateLimiting(-1), tokenLimits]],
  ['ai-proxy + rate-limiting(redis, sync_rate 1) + ai-rate-limiting-advanced(redis)', [aiProxy, rateLimiting(1), tokenLimits]],
];

const req = openaiChatKeyless(false);
const bodyFile = join(dir, 'body.json');
writeFileSync(bodyFile, req.body ?? '');
const results = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [label, plugins] of SETUPS) {
    const file = join(dir, 'kong.json');
    writeFileSync(file, JSON.stringify({ _format_version: '3.0', services: [{ name: 'b', url: mock, routes: [{ name: 'b', paths: ['/v1'], strip_path: false }], plugins }] }));
    const port = await freePort();
    const prof = values.profile !== undefined && label === SETUPS[SETUPS.length - 1]![0] ? ['--cpu-prof', '--cpu-prof-dir', values.profile] : [];
    const gw = await start('taskset', ['-c', '0', process.execPath, ...prof, START_SEMI_SPACE_FLAG, 'core/bin.mjs', 'start', '-c', file], 'listening: proxy', {
      KONG_PROXY_LISTEN: `127.0.0.1:${port}`, KONG_ADMIN_LISTEN: 'off', KONG_NGINX_WORKER_PROCESSES: '1',
    });
    await wrk(port, bodyFile, req.headers); // warm-up
    const t0 = cpuTicks(gw.pid!);
    const n = await wrk(port, bodyFile, req.headers);
    const ticks = cpuTicks(gw.pid!) - t0;
    const us = (ticks * 10_000) / n; // 100 ticks per second
    (results.get(label) ?? results.set(label, []).get(label)!).push(us);
    console.log(`round ${round + 1} ${label}: ${n} requests, ${us.toFixed(1)} CPU µs/req`);
    gw.kill('SIGTERM');
    await new Promise((r) => gw.once('exit', r));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(results.get(SETUPS[0]![0])!);
console.log(`\nload average: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
for (const [label] of SETUPS) {
  const m = median(results.get(label)!);
  console.log(`${label}: ${m.toFixed(1)} CPU µs/req (${((m / base - 1) * 100).toFixed(1)}% over ai-proxy alone)`);
}
process.exit(0);
