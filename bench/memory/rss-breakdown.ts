/**
 * Where the gateway's memory goes, with one serving thread (KONG_NGINX_WORKER_PROCESSES=1) as `npm start` runs it:
 * RSS split into anonymous and file-backed (smaps_rollup), the biggest mappings (smaps, grouped), the V8 heap of
 * every isolate (main thread and any worker thread, bench/memory/heap-probe.mjs), and the CommonJS files loaded per
 * package; sampled at idle, after a c=50 wrk run, and with M SSE streams open. Its own mock upstream, 127.0.0.1 only.
 *
 *   node --import tsx bench/memory/rss-breakdown.ts [--config plain|ai-proxy|example] [--seconds 5] [--streams 1000]
 *        [--node-flags="--max-semi-space-size=1"] [--env NAME=value ...] [--idle-only] [--json] [--heap-snapshot PREFIX]
 *        [--stream-seconds 4]
 *
 * `--node-flags` and `--env` are for A/B runs (V8 flags, MALLOC_ARENA_MAX): each round prints CPU µs per request
 * next to RSS (per stream in the streams' row), so a flag that trades memory for CPU shows both. The default config (`example`) has no proxied
 * route that reaches the mock, so its load is `GET /echo` (request-termination) and it opens no streams.
 * `--heap-snapshot PREFIX` writes the main thread's heap snapshots `PREFIX-idle.heapsnapshot` (after the full GC)
 * and `PREFIX-streams.heapsnapshot` (M streams open) for bench/memory/heap-snapshot-summary.ts; writing one
 * pauses the gateway and takes memory, so read that run's RSS figures as disturbed. `--stream-seconds 30` keeps the
 * streams coming (each re-posted when it ends) as long as the bench's sse-memory rounds do, whose peak RSS is the
 * process's whole-run high point: the old generation and malloc's arenas keep growing after the first seconds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { installCleanup } from '../proc/children.ts';
import { cpuSeconds } from '../proc/proc-stats.ts';
import { startMock } from '../targets/mock.ts';
import { startGateway } from '../targets/gateway.ts';
import { runWrk } from '../load/wrk.ts';
import { SseClientProcess } from '../load/sse-client-process.ts';
import { aiProxy, proxyConfig } from '../scenarios/kong-config.ts';
import { openaiChat, openaiChatKeyless } from '../scenarios/requests.ts';
import type { KongConfig, RequestSpec } from '../scenarios/types.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PROBE = fileURLToPath(new URL('./heap-probe.mjs', import.meta.url));
const GATEWAY_CPU = 0;
const LOAD_CPU = 1;
const MB = 1024 * 1024;

interface Rollup { rss: number; anon: number; file: number }
interface ThreadHeap { threadId: number; heap: Record<string, number>; spaces: { name: string; size: number; used: number }[]; cjs: string[]; builtins: number }
interface Sample { phase: string; peakRss: number; rollup: Rollup; mappings: Map<string, Rollup>; threads: ThreadHeap[]; cpuUsPerReq?: number }

/** smaps_rollup: whole-process RSS, anonymous part, and file-backed part (RSS minus anonymous minus shmem). */
export function readRollup(pid: number): Rollup {
  const kb = (text: string, key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const rss = kb(t, 'Rss');
  const anon = kb(t, 'Anonymous');
  return { rss, anon, file: rss - anon - kb(t, 'Shmem') };
}

/** smaps grouped by what backs each mapping: a file's base name, [heap], [stack], or `anon` for unnamed ones. */
export function readMappings(pid: number): Map<string, Rollup> {
  const groups = new Map<string, Rollup>();
  let cur: Rollup | null = null;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const path = head[1].trim();
      const name = path === '' ? 'anon (V8 heap, malloc arenas, buffers)' : path.startsWith('[') ? path : path.slice(path.lastIndexOf('/') + 1);
      cur = groups.get(name) ?? { rss: 0, anon: 0, file: 0 };
      groups.set(name, cur);
      continue;
    }
    if (!cur) continue;
    const m = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (m?.[1] === 'Rss') cur.rss += Number(m[2]) * 1024;
    else if (m?.[1] === 'Anonymous') cur.anon += Number(m[2]) * 1024;
  }
  for (const g of groups.values()) g.file = g.rss - g.anon;
  return groups;
}

/** Peak RSS since the last resetPeak (VmHWM): the phase's high point, not where the GC sawtooth happens to be. */
function peakRss(pid: number): number {
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

/** Starts a new peak: writing 5 to clear_refs resets VmHWM to the current RSS (our own child, so allowed). */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** Asks the probe in the gateway for every isolate's heap (SIGUSR2, then the file it writes within ~1 s). */
async function readHeaps(pid: number, out: string, fullGc: boolean): Promise<ThreadHeap[]> {
  rmSync(out, { force: true });
  if (fullGc) writeFileSync(`${out}.gc`, '');
  else rmSync(`${out}.gc`, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 600 && !existsSync(out); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(out)) throw new Error('the heap probe did not answer (was heap-probe.mjs preloaded?)');
  return (JSON.parse(readFileSync(out, 'utf8')) as { threads: ThreadHeap[] }).threads;
}

async function sample(phase: string, pid: number, out: string, fullGc = false): Promise<Sample> {
  const peak = peakRss(pid); // before the probe allocates
  const threads = await readHeaps(pid, out, fullGc);
  return { phase, peakRss: peak, rollup: readRollup(pid), mappings: readMappings(pid), threads };
}

const mb = (b: number): string => (b / MB).toFixed(1);

/** The package a loaded file belongs to (`@scope/name`, `name`), or `(gateway)` for the gateway's own files. */
function packageOf(file: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file.slice(file.lastIndexOf('node_modules/')));
  return m ? m[1] : '(gateway)';
}

function formatSamples(samples: Sample[]): string {
  const maxThreads = Math.max(...samples.map((s) => s.threads.length));
  const threadHead = Array.from({ length: maxThreads }, (_, i) => (i === 0 ? 'main heap used/total MB' : `worker ${i} heap used/total MB`));
  const head = ['phase', 'peak RSS MB', 'RSS MB', 'anon MB', 'file MB', ...threadHead, 'V8 external MB', 'CPU µs/req'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`];
  for (const s of samples) {
    const heaps = Array.from({ length: maxThreads }, (_, i) => {
      const h = s.threads[i]?.heap;
      return h ? `${mb(h.used_heap_size)} / ${mb(h.total_heap_size)}` : '—';
    });
    const external = s.threads.reduce((a, t) => a + (t.heap.external_memory ?? 0), 0);
    lines.push(`| ${[s.phase, mb(s.peakRss), mb(s.rollup.rss), mb(s.rollup.anon), mb(s.rollup.file), ...heaps, mb(external),
      s.cpuUsPerReq === undefined ? '—' : s.cpuUsPerReq.toFixed(1)].join(' | ')} |`);
  }
  return lines.join('\n');
}

function formatSpaces(s: Sample): string {
  const lines = [`V8 spaces at "${s.phase}" (used / size MB, per isolate):`, ''];
  for (const t of s.threads) {
    lines.push(`- thread ${t.threadId}: ${t.spaces.filter((x) => x.size > 0).map((x) => `${x.name} ${mb(x.used)}/${mb(x.size)}`).join(', ')}`);
  }
  return lines.join('\n');
}

function formatMappings(s: Sample, top = 12): string {
  const rows = [...s.mappings.entries()].sort((a, b) => b[1].rss - a[1].rss).slice(0, top);
  const lines = [`Largest mappings at "${s.phase}":`, '', '| mapping | RSS MB | anon MB | file MB |', '|---|---:|---:|---:|'];
  for (const [name, r] of rows) lines.push(`| ${name} | ${mb(r.rss)} | ${mb(r.anon)} | ${mb(r.file)} |`);
  return lines.join('\n');
}

function formatModules(s: Sample): string {
  const lines = [`CommonJS files loaded at "${s.phase}" (ESM packages such as typebox, lru-cache are not listed; see the bundle's imports):`, ''];
  for (const t of s.threads) {
    const per = new Map<string, number>();
    for (const f of t.cjs) per.set(packageOf(f), (per.get(packageOf(f)) ?? 0) + 1);
    const list = [...per.entries()].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} ${n}`).join(', ');
    lines.push(`- thread ${t.threadId}: ${t.cjs.length} files, ${t.builtins} Node built-ins: ${list}`);
  }
  return lines.join('\n');
}

interface Variant { config: (mock: string) => KongConfig; load: RequestSpec; path: string; stream: RequestSpec | null }

function variant(name: string): Variant {
  if (name === 'plain') return { config: (m) => proxyConfig(m), load: openaiChat(false), path: '/v1/chat/completions', stream: openaiChat(true) };
  if (name === 'ai-proxy') {
    return { config: (m) => proxyConfig(m, [aiProxy('openai', m)]), load: openaiChatKeyless(false), path: '/v1/chat/completions', stream: openaiChatKeyless(true) };
  }
  if (name === 'example') {
    const config = parse(readFileSync(join(REPO, 'kong.yaml.example'), 'utf8')) as KongConfig;
    return { config: () => config, load: { method: 'GET', path: '/echo/hello', headers: {} }, path: '/echo/hello', stream: null };
  }
  throw new Error(`--config must be plain, ai-proxy or example (got ${name})`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: 'plain' },
      seconds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '50' },
      streams: { type: 'string', default: '1000' },
      'node-flags': { type: 'string', default: '' },
      env: { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
      'idle-only': { type: 'boolean', default: false },
      'heap-snapshot': { type: 'string' },
      'stream-seconds': { type: 'string', default: '4' },
    },
  });
  installCleanup();
  const v = variant(values.config!);
  const seconds = Math.max(1, Math.min(120, Number(values.seconds)));
  const streams = Math.max(0, Math.min(5000, Number(values.streams)));
  const streamMs = Math.max(3, Math.min(120, Number(values['stream-seconds']))) * 1000;
  const tmp = mkdtempSync(join(tmpdir(), 'tollgate-rss-'));
  const out = join(tmp, 'heaps.json');
  const extraEnv = Object.fromEntries(values.env!.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  // 20 events 50 ms apart: a stream stays open about a second, as in the bench's sse-memory scenario
  const mock = await startMock({ cpu: LOAD_CPU, cwd: REPO, chunks: 20, gapMs: 50 });
  const mockUrl = `http://127.0.0.1:${mock.port}`;
  const gw = await startGateway({
    repoRoot: REPO, cpu: GATEWAY_CPU, tmpDir: tmp, name: 'rss', config: v.config(mockUrl),
    nodeFlags: [`--import=${PROBE}`, ...values['node-flags']!.split(' ').filter(Boolean)],
    env: { TOLLGATE_HEAP_PROBE_OUT: out, ...extraEnv },
  });
  if (!gw.ok) throw new Error(gw.reason);
  const samples: Sample[] = [];
  const sse = new SseClientProcess(LOAD_CPU, REPO);
  try {
    await new Promise((r) => setTimeout(r, 1000)); // start-up garbage gets its first GC
    samples.push(await sample('idle', gw.pid, out));
    if (values['heap-snapshot']) writeFileSync(`${out}.snapshot`, `${values['heap-snapshot']}-idle.heapsnapshot`);
    samples.push(await sample('idle, after a full GC (live heap)', gw.pid, out, true));
    if (!values['idle-only']) {

      resetPeak(gw.pid);
      const bodyFile = join(tmp, 'body.json');
      writeFileSync(bodyFile, v.load.body ?? '');
      const cpu0 = cpuSeconds([gw.pid]);
      const pendingRun = runWrk({ wrk: 'wrk', url: `http://127.0.0.1:${gw.port}${v.path}`, method: v.load.method, bodyFile: v.load.body ? bodyFile : undefined,
        headers: v.load.headers, connections: Number(values.connections), durationS: seconds, cpu: LOAD_CPU });
      await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
      samples.push(await sample(`during c=${values.connections}`, gw.pid, out)); // the heap while requests are in flight; "after" has the whole load's peak
      const run = await pendingRun;
      const cpuUs = ((cpuSeconds([gw.pid]) - cpu0) * 1e6) / Math.max(1, run.requests);
      const afterLoad = await sample(`after c=${values.connections} × ${seconds} s (${run.requests} req, ${run.non2xx} non-2xx)`, gw.pid, out);
      afterLoad.cpuUsPerReq = cpuUs;
      samples.push(afterLoad);

      if (v.stream && streams > 0) {
        const s = v.stream;
        resetPeak(gw.pid);
        const streamCpu0 = cpuSeconds([gw.pid]);
        const pending = sse.run({ host: '127.0.0.1', port: gw.port, path: s.path, headers: s.headers, body: s.body ?? '', streams, durationMs: streamMs });
        // sampled 1.5 s before the end: the streams are all open by then (each lasts ~1 s and is re-posted)
        await new Promise((r) => setTimeout(r, streamMs - 1500));
        if (values['heap-snapshot']) writeFileSync(`${out}.snapshot`, `${values['heap-snapshot']}-streams.heapsnapshot`);
        const open = await sample(`${streams} streams open`, gw.pid, out);
        const r = await pending;
        open.phase += ` (${r.streams} streams done, ${r.non2xx} non-2xx, ${r.socketErrors} socket errors)`;
        // per stream, over the whole stream phase (a flag that trades memory for GC work shows it here)
        open.cpuUsPerReq = ((cpuSeconds([gw.pid]) - streamCpu0) * 1e6) / Math.max(1, r.streams);
        samples.push(open);
      }
    }
  } finally {
    await sse.stop();
    await gw.stop();
    await mock.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(samples.map((s) => ({ ...s, mappings: Object.fromEntries(s.mappings), threads: s.threads.map((t) => ({ ...t, cjs: t.cjs.length })) })))}\n`);
    return;
  }
  const flags = [values['node-flags'], ...values.env!].filter(Boolean).join(' ');
  process.stdout.write(`## Gateway memory, config "${values.config}"${flags ? `, ${flags}` : ''}\n\n${formatSamples(samples)}\n\n`);
  process.stdout.write(`${formatSpaces(samples[samples.length - 1])}\n\n`);
  for (const s of samples) process.stdout.write(`${formatMappings(s)}\n\n`);
  process.stdout.write(`${formatModules(samples[0])}\n`);
}

await main();
