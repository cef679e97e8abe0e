/**
 * Where the concurrency-1 tail waits: the kernel's scheduler trace of the proxy's core while wrk sends one request
 * at a time. For each target (nginx, the bare Node byte pipe, the gateway, the gateway with ai-proxy) it records
 * `perf sched` on CPU 0 during a wrk run and prints, beside wrk's p50/p99:
 *
 * - the target's run slices (how long it ran each time it got the core): p50, p99, p99.9, max, and how many per
 *   1000 requests were over 300 µs (enough to put a request in the p99), slices per request;
 * - its scheduling delay (wake-up to running), the same way. On an idle core this is the time the (virtual) CPU
 *   takes to come back from idle, plus any task that held the core;
 * - the other tasks that ran on the core (kernel threads, its own helper threads), as ms per second.
 *
 * A long run slice means the proxy's own work (a GC pause, a long turn of its loop); a long scheduling delay means
 * the core was not there when the request arrived. The same two numbers for nginx say what the machine costs anyone.
 *
 * Tracing costs the load core: perf runs there with wrk and the mock, and on this 2-core VM it lifts the direct
 * (wrk → mock) p99 from ~0.1 ms to 1.6-4.8 ms (measured 2026-12-07; `-m 2048` or fewer events made it worse). So
 * wrk's columns here are not the bench's figures; the CPU 0 columns are the result.
 *
 *   node --import tsx bench/sched/c1-sched.ts [--seconds 6] [--only nginx,pipe,gateway,ai]
 *
 * Needs `perf` (Debian's linux-perf, installed when run as root) and tracefs. Mock and wrk on CPU 1, target on CPU 0,
 * 127.0.0.1 only. Run it on a quiet machine: the point is what the core does while nothing else wants it.
 */
import { mkdtempSync, writeFileSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runToEnd, spawnPinned, installCleanup } from '../proc/children.ts';
import { freePort, waitForHttp } from '../proc/loopback.ts';
import { ensureTool } from '../proc/ensure-tool.ts';
import { runWrk, type WrkRun } from '../load/wrk.ts';
import { startMock } from '../targets/mock.ts';
import { startNginx } from '../targets/nginx.ts';
import { GATEWAY_NODE_FLAGS, startGateway } from '../targets/gateway.ts';
import { aiProxy, proxyConfig } from '../scenarios/kong-config.ts';
import { openaiChat, openaiChatKeyless } from '../scenarios/requests.ts';
import { largest, servingThread, type Slice } from './serving-thread.ts';

// the gateway and mock are detached process groups: a Ctrl-C, a `timeout` or a throw must not leave them running
installCleanup();

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const seconds = Number(opt('--seconds', '6'));
const only = opt('--only', 'nginx,pipe,gateway,ai').split(',');
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const PIPE = fileURLToPath(new URL('../floor/net-pipe.mjs', import.meta.url));

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const [wrk, perf, nginx] = [await ensureTool('wrk', 'wrk', log), await ensureTool('perf', 'linux-perf', log), await ensureTool('nginx', 'nginx-light', log)];
if (!wrk.ok) throw new Error(wrk.reason);
if (!perf.ok) throw new Error(perf.reason);

const tmp = mkdtempSync(join(tmpdir(), 'c1-sched-'));
const mock = await startMock({ cpu: 1, cwd: repoRoot, chunks: 20, gapMs: 0 });
const mockUrl = `http://127.0.0.1:${mock.port}`;

interface Target { name: string; start(): Promise<{ port: number; pid: number; stop(): Promise<void> }>; ai: boolean }
const targets: Target[] = [
  { name: 'mock direct', ai: false, start: async () => ({ port: mock.port, pid: mock.pid, stop: async () => {} }) },
  { name: 'nginx', ai: false, start: async () => {
    if (!nginx.ok) throw new Error(nginx.reason);
    const s = await startNginx({ nginx: nginx.path, cpu: 0, tmpDir: tmp, name: 'c1', upstreamPort: mock.port, buffering: true });
    if (!s.ok) throw new Error(s.reason);
    return s;
  } },
  { name: 'node byte pipe', ai: false, start: async () => {
    const port = await freePort();
    const c = spawnPinned('pipe', process.execPath, [...GATEWAY_NODE_FLAGS, PIPE, '--port', String(port), '--upstream', String(mock.port)], { cpu: 0 });
    await waitForHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 10000, gone: c.exited });
    return { port, pid: c.pid, stop: () => c.stop() };
  } },
  ...[false, true].map((ai): Target => ({ name: ai ? 'gateway ai-proxy' : 'gateway', ai, start: async () => {
    const s = await startGateway({ repoRoot, cpu: 0, tmpDir: tmp, name: ai ? 'ai' : 'plain',
      config: proxyConfig(mockUrl, ai ? [aiProxy('openai', mockUrl)] : []) });
    if (!s.ok) throw new Error(s.reason);
    return s;
  } })),
].filter((t) => t.name === 'mock direct' || only.includes({ nginx: 'nginx', 'node byte pipe': 'pipe', gateway: 'gateway', 'gateway ai-proxy': 'ai' }[t.name]!));

const LINE = /^\s*[\d.]+\s+\[\d+\]\s+(.+?)\[(\d+)(?:\/(\d+))?\]\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/;

function parseTimehist(out: string): { slices: Slice[]; spanS: number } {
  const slices: Slice[] = [];
  let first = Infinity, last = 0;
  for (const line of out.split('\n')) {
    const t = Number(/^\s*([\d.]+)\s+\[/.exec(line)?.[1] ?? NaN);
    if (Number.isFinite(t)) { first = Math.min(first, t); last = Math.max(last, t); }
    const m = LINE.exec(line);
    if (!m) continue;
    const tid = Number(m[2]);
    slices.push({ comm: m[1]!.trim(), tid, pid: Number(m[3] ?? tid), schedDelayMs: Number(m[5]), runMs: Number(m[6]) });
  }
  return { slices, spanS: last - first };
}

/** The process and its children (nginx's worker), as pids. */
function processTree(pid: number): Set<number> {
  const out = new Set([pid]);
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(readFileSync(`/proc/${p}/stat`, 'latin1').replace(/^.*\) /s, '').split(' ')[1]);
      if (ppid === pid) out.add(Number(p));
    } catch { /* gone */ }
  }
  return out;
}

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
/** what counts as a long slice or delay: a request that meets one is in the p99 of a proxy adding ~100 µs */
const LONG_MS = 0.3;
const us = (ms: number): string => (Number.isFinite(ms) ? String(Math.round(ms * 1000)) : '-');

const rows: string[] = [];
let direct: WrkRun | null = null;
try {
  for (const t of targets) {
    const s = await t.start();
    try {
      const request = t.ai ? openaiChatKeyless(false) : openaiChat(false);
      const bodyFile = join(tmp, 'body.json');
      writeFileSync(bodyFile, request.body ?? '');
      const load = (d: number) => runWrk({ wrk: wrk.path, url: `http://127.0.0.1:${s.port}${request.path}`, method: request.method,
        bodyFile, headers: request.headers, connections: 1, durationS: d, cpu: 1 });
      await load(2);
      const data = join(tmp, `${t.name.replace(/\W+/g, '-')}.perf`);
      // perf itself on CPU 1 (with wrk and the mock). It records both cores: a wake-up of the target is traced on
      // the waker's core (loopback delivers on the sender's CPU), and the delay is measured from it.
      const rec = runToEnd('perf', perf.path, ['sched', 'record', '-o', data, '--', 'sleep', String(seconds + 1)], { cpu: 1 });
      const run = await load(seconds);
      await rec;
      if (t.name === 'mock direct') { direct = run; continue; }
      const hist = await runToEnd('perf', perf.path, ['sched', 'timehist', '-i', data, '-C', '0'], { cpu: 1 });
      const { slices, spanS } = parseTimehist(hist.out);
      const own = processTree(s.pid);
      const mine = slices.filter((x) => own.has(x.pid));
      // the thread that serves: the one of the target's that ran most often
      const main = servingThread(mine);
      const others = new Map<string, number>();
      for (const x of slices) {
        if (own.has(x.pid) && x.tid === main[0]?.tid) continue;
        const key = own.has(x.pid) ? `own:${x.comm}` : x.comm.replace(/\/\d+$/, '').replace(/\d+$/, '');
        others.set(key, (others.get(key) ?? 0) + x.runMs);
      }
      const top = [...others].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, ms]) => `${k} ${(ms / spanS).toFixed(1)}`).join(', ');
      const requests = run.requests * (spanS / run.seconds);
      const added = (p: 'p50Us' | 'p99Us') => (direct ? Math.round(run[p] - direct[p]) : NaN);
      const dist = (xs: number[]): string => {
        const over = xs.filter((x) => x > LONG_MS).length;
        return `${us(pct(xs, 50))} / ${us(pct(xs, 99))} / ${us(pct(xs, 99.9))} / ${us(largest(xs))} (${(over / requests * 1000).toFixed(1)})`;
      };
      rows.push(`| ${t.name} | ${Math.round(run.p50Us)} / ${Math.round(run.p99Us)} (${added('p50Us')} / ${added('p99Us')}) | ` +
        `${(main.length / requests).toFixed(2)} | ${dist(main.map((x) => x.runMs))} | ${dist(main.map((x) => x.schedDelayMs))} | ${top} |`);
    } finally {
      await s.stop();
    }
  }
} finally {
  await mock.stop();
  // the perf recordings are tens of MB per target
  rmSync(tmp, { recursive: true, force: true });
}
if (direct) console.log(`mock direct under tracing: p50 ${Math.round(direct.p50Us)} µs, p99 ${Math.round(direct.p99Us)} µs (perf shares the load core: read CPU 0's columns, not wrk's)`);
console.log(['| target | wrk p50 / p99 µs (added) | run slices per request | run slice p50 / p99 / p99.9 / max µs (> 300 µs per 1000 req) | sched delay p50 / p99 / p99.9 / max µs (> 300 µs per 1000 req) | other tasks on the core, ms/s |',
  '|---|---:|---:|---:|---:|---|', ...rows].join('\n'));
