/**
 * Bytes the gateway allocates and promotes per request, from V8's own GC trace: load-independent figures (unlike
 * req/s or p99 they do not move when other processes share the cores), for checking that a change to the hot path
 * allocates less, or keeps less of a request alive into the old generation (what makes mark-compacts, the c=1 tail).
 *
 *   node --import tsx bench/gc/gc-per-request.ts [--ai] [--sse] [--c 1] [--seconds 8] [--flags "--max-semi-space-size=8"]
 *     [--repo <another checkout>] [--threads]
 *
 * Starts the mock (CPU 1) and the gateway (CPU 0, one thread, `node <flags> --trace-gc-nvp`), warms up with wrk
 * for 2 s, then sums `allocated=` and `promoted=` over the GC events of the measured wrk run and divides by its
 * requests. `--sse` asks for the stream (`stream: true` with `stream_options.include_usage`, the mock's 20-event
 * OpenAI stream), so one request is one stream: bytes and CPU µs per stream. Also prints scavenges, mark-compacts, their pauses, CPU µs per request and RSS at the end.
 *
 * `--threads` also prints, per thread of the gateway (main, V8 helpers, libuv pool, workers), its CPU µs and its
 * voluntary and involuntary context switches per 1000 requests of the measured run: with the gateway alone on its
 * core, every helper wake-up is a moment a request may wait behind it (the tail at `--c 1`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { spawnPinned, installCleanup } from '../proc/children.ts';
import { freePort, waitForHttp } from '../proc/loopback.ts';
import { ensureTool } from '../proc/ensure-tool.ts';
import { cpuSeconds, rssKb, threadStats, ticksPerSecond, type ThreadStat } from '../proc/proc-stats.ts';
import { runWrk } from '../load/wrk.ts';
import { startMock } from '../targets/mock.ts';
import { GATEWAY_BIN, GATEWAY_NODE_FLAGS, START_ENV } from '../targets/gateway.ts';
import { aiProxy, proxyConfig } from '../scenarios/kong-config.ts';
import { openaiChat, openaiChatKeyless } from '../scenarios/requests.ts';

// the gateway and mock are detached process groups: a Ctrl-C, a `timeout` or a throw must not leave them running
installCleanup();

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const ai = argv.includes('--ai');
const sse = argv.includes('--sse');
const conns = Number(opt('--c', '1'));
const seconds = Number(opt('--seconds', '8'));
const flags = opt('--flags', GATEWAY_NODE_FLAGS.join(' ')).split(' ').filter(Boolean);
/** the checkout whose gateway is measured (another worktree, for a before/after in one sitting) */
const repoRoot = opt('--repo', fileURLToPath(new URL('../..', import.meta.url)));

/** Sums of the GC events while `on`. */
const gc = { on: false, allocated: 0, promoted: 0, scavenges: 0, markCompacts: 0, scavengeMs: 0, markCompactMs: 0 };
let pending = '';
function readTrace(text: string): void {
  const lines = (pending + text).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const kind = / gc=(s|mc|ms|mmc) /.exec(line)?.[1];
    if (!kind || !gc.on) continue;
    const field = (n: string): number => Number(new RegExp(` ${n}=([\\d.]+)`).exec(line)?.[1] ?? 0);
    gc.allocated += field('allocated');
    gc.promoted += field('promoted');
    if (kind === 's') { gc.scavenges++; gc.scavengeMs += field('pause'); }
    else { gc.markCompacts++; gc.markCompactMs += field('pause'); }
  }
}

const wrk = await ensureTool('wrk', 'wrk', (s) => console.error(s));
if (!wrk.ok) throw new Error(wrk.reason);
const mock = await startMock({ cpu: 1, cwd: repoRoot, chunks: 20, gapMs: 0 });
const tmp = mkdtempSync(join(tmpdir(), 'gc-per-request-'));
const mockUrl = `http://127.0.0.1:${mock.port}`;
const conf = join(tmp, 'kong.yaml');
writeFileSync(conf, stringify(proxyConfig(mockUrl, ai ? [aiProxy('openai', mockUrl)] : [])));
const request = ai ? openaiChatKeyless(sse) : openaiChat(sse);
const bodyFile = join(tmp, 'body.json');
writeFileSync(bodyFile, request.body ?? '');
const [port, adminPort] = [await freePort(), await freePort()];
const gw = spawnPinned('gateway', process.execPath, [...flags, '--disable-proto=delete', '--trace-gc-nvp', GATEWAY_BIN, 'start', '-c', conf], {
  cpu: 0,
  cwd: repoRoot,
  env: { ...process.env, ...START_ENV, KONG_PROXY_LISTEN: `127.0.0.1:${port}`, KONG_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
    KONG_NGINX_WORKER_PROCESSES: '1', KONG_LOG_LEVEL: 'error' },
  onStdout: readTrace,
});
try {
  await waitForHttp(`http://127.0.0.1:${adminPort}/status`, { status: 200, timeoutMs: 30000, gone: gw.exited });
  const load = (durationS: number) => runWrk({ wrk: wrk.path, url: `http://127.0.0.1:${port}${request.path}`, method: request.method,
    bodyFile, headers: request.headers, connections: conns, durationS, cpu: 1 });
  await load(2);
  const cpu0 = cpuSeconds([gw.pid]);
  const threads0 = threadStats(gw.pid);
  gc.on = true;
  const run = await load(seconds);
  gc.on = false;
  const cpu = cpuSeconds([gw.pid]) - cpu0;
  const threads1 = threadStats(gw.pid);
  const n = run.requests;
  if (argv.includes('--threads')) printThreads(threads0, threads1, n);
  console.log(JSON.stringify({
    target: ai ? 'ai-proxy' : 'plain', stream: sse, connections: conns, flags: flags.join(' '), requests: n, non2xx: run.non2xx,
    allocatedPerRequest: Math.round(gc.allocated / n), promotedPerRequest: Math.round(gc.promoted / n),
    scavenges: gc.scavenges, markCompacts: gc.markCompacts,
    scavengePauseMs: Math.round(gc.scavengeMs), markCompactPauseMs: Math.round(gc.markCompactMs),
    cpuUsPerRequest: Math.round((cpu / n) * 1e7) / 10, rssMb: Math.round(rssKb([gw.pid]) / 1024),
    p50Ms: run.p50Us / 1000, p99Ms: run.p99Us / 1000,
  }));
} finally {
  await gw.stop();
  await mock.stop();
}

/** Per thread: CPU µs and context switches per 1000 requests between two readings (threads that did nothing left out). */
function printThreads(before: Map<number, ThreadStat>, after: Map<number, ThreadStat>, requests: number): void {
  const per1000 = (v: number): number => Math.round((v / requests) * 1000 * 10) / 10;
  const rows: string[] = [];
  for (const [tid, b] of after) {
    const a = before.get(tid) ?? { name: b.name, ticks: 0, voluntary: 0, involuntary: 0 };
    const ticks = b.ticks - a.ticks, vol = b.voluntary - a.voluntary, inv = b.involuntary - a.involuntary;
    if (ticks === 0 && vol === 0 && inv === 0) continue;
    const us = (ticks / ticksPerSecond()) * 1e6;
    rows.push(`| ${b.name} (${tid}) | ${Math.round(us / requests * 10) / 10} | ${per1000(vol)} | ${per1000(inv)} |`);
  }
  console.log(['| thread | CPU µs/req | voluntary switches /1000 req | involuntary /1000 req |', '|---|---:|---:|---:|', ...rows].join('\n'));
}
