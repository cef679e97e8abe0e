/**
 * Where the gateway's bytes per request are allocated: V8's sampling heap profiler (through the inspector, with
 * the objects scavenges and mark-compacts already freed kept in the profile) over a wrk run, summed by allocating
 * function and by file, as bytes per request. gc-per-request.ts says how much; this says where.
 *
 *   node --import tsx bench/gc/alloc-profile.ts [--ai] [--sse] [--c 50] [--seconds 5] [--top 40] [--interval 512]
 *     [--out FILE.heapprofile] [--repo <another checkout>] [--with otel,prom]
 *
 * `--cpu` takes a CPU profile instead (the inspector's Profiler over the same run): self time by function and by
 * file as µs per request; the profiler's own overhead is in it, so compare shares between runs, not against wrk.
 *
 * `--bundle` runs the esbuild bundle npm start runs, whose frames all name the bundle (functions keep their names):
 * under tsx every closure made per request also pays `__name` (a defineProperty and its descriptor, ~400 B), so
 * the sources' profile overstates functions that make closures; read the bytes from the bundle's.
 *
 * Runs the TypeScript sources (TOLLGATE_NO_BUNDLE=1), so frames name their .ts file; gateway on CPU 0, mock and wrk
 * on CPU 1, one serving thread, 127.0.0.1 only. Sampling costs CPU: read the bytes, not the request rate.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import WebSocket from 'ws';
import { spawnPinned, installCleanup } from '../proc/children.ts';
import { freePort, waitForHttp } from '../proc/loopback.ts';
import { ensureTool } from '../proc/ensure-tool.ts';
import { runWrk } from '../load/wrk.ts';
import { startMock } from '../targets/mock.ts';
import { GATEWAY_BIN, GATEWAY_NODE_FLAGS } from '../targets/gateway.ts';
import { aiProxy, proxyConfig } from '../scenarios/kong-config.ts';
import { openaiChat, openaiChatKeyless } from '../scenarios/requests.ts';

// the gateway and mock are detached process groups: a Ctrl-C, a `timeout` or a throw must not leave them running
installCleanup();

const { values } = parseArgs({
  options: {
    ai: { type: 'boolean' },
    sse: { type: 'boolean' },
    c: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '5' },
    top: { type: 'string', default: '40' },
    interval: { type: 'string', default: '512' },
    out: { type: 'string' },
    cpu: { type: 'boolean' },
    bundle: { type: 'boolean' },
    repo: { type: 'string' },
    /** with --ai: also these plugins, as bench/micro/obs-cost-ab.ts configures them (`otel`, `prom`, or `otel,prom`) */
    with: { type: 'string', default: '' },
  },
});
/** the checkout whose gateway is profiled (another worktree, for a before/after in one sitting) */
const ROOT = values.repo ?? fileURLToPath(new URL('../..', import.meta.url));

interface HeapNode { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: HeapNode[] }

interface CpuProfile { nodes: { id: number; callFrame: HeapNode['callFrame'] }[]; samples: number[]; timeDeltas: number[] }

/** Self time by function and file, µs per request, idle left out. */
function summarizeCpu(p: CpuProfile, n: number): void {
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const cf = byId.get(p.samples[i]!)!.callFrame;
    if (cf.functionName === '(idle)') continue;
    const us = p.timeDeltas[i + 1] ?? 0;
    const file = cf.url.replace(/^file:\/\//, '').replace(`${ROOT.replace(/\/$/, '')}/`, '').replace(/^.*node_modules\//, 'node_modules/') || cf.functionName;
    const key = `${cf.functionName || '(anonymous)'} ${file}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
    total += us;
  }
  const top = Number(values.top);
  console.log(`${n} requests, ${(total / n).toFixed(1)} µs on CPU per request (profiled, ${values.ai ? 'ai-proxy' : 'plain'}${values.sse ? ', SSE' : ''})`);
  for (const [title, m] of [['µs per request by function', byFn], ['by file', byFile]] as const) {
    console.log(`-- ${title}`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${(v / n).toFixed(2).padStart(7)}  ${k}`);
  }
}

/** One inspector session: send a method, await its result. */
async function inspector(port: number): Promise<{ call: (method: string, params?: object) => Promise<any>; close: () => void }> {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const ws = new WebSocket(list[0]!.webSocketDebuggerUrl, { maxPayload: 1 << 30 });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  let id = 0;
  const waiting = new Map<number, (r: any) => void>();
  ws.on('message', (m) => {
    const msg = JSON.parse(String(m)) as { id?: number; result?: unknown; error?: unknown };
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.error ? Promise.reject(new Error(JSON.stringify(msg.error))) : msg.result);
  });
  return {
    call: (method, params = {}) => new Promise((resolve) => { waiting.set(++id, resolve); ws.send(JSON.stringify({ id, method, params })); }),
    close: () => ws.close(),
  };
}

const wrk = await ensureTool('wrk', 'wrk', (s) => console.error(s));
if (!wrk.ok) throw new Error(wrk.reason);
const mock = await startMock({ cpu: 1, cwd: ROOT, chunks: 20, gapMs: 0 });
const tmp = mkdtempSync(join(tmpdir(), 'alloc-profile-'));
const mockUrl = `http://127.0.0.1:${mock.port}`;
const conf = join(tmp, 'kong.yaml');
const extra = values.with.split(',').filter(Boolean).map((p) => {
  if (p === 'otel') return { name: 'opentelemetry', config: { traces_endpoint: `${mockUrl}/v1/traces`, sampling_rate: 1 } };
  if (p === 'prom') return { name: 'prometheus', config: { per_consumer: true, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true, ai_metrics: true } };
  throw new Error(`--with: unknown plugin ${p}`);
});
writeFileSync(conf, stringify(proxyConfig(mockUrl, values.ai ? [aiProxy('openai', mockUrl), ...extra] : [])));
const request = values.ai ? openaiChatKeyless(values.sse === true) : openaiChat(values.sse === true);
const bodyFile = join(tmp, 'body.json');
writeFileSync(bodyFile, request.body ?? '');
const [port, adminPort, inspectPort] = [await freePort(), await freePort(), await freePort()];
const gw = spawnPinned('gateway', process.execPath, [...GATEWAY_NODE_FLAGS, `--inspect=127.0.0.1:${inspectPort}`, GATEWAY_BIN, 'start', '-c', conf], {
  cpu: 0,
  cwd: ROOT,
  env: { ...process.env, ...(values.bundle ? {} : { TOLLGATE_NO_BUNDLE: '1' }), KONG_PROXY_LISTEN: `127.0.0.1:${port}`, KONG_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
    KONG_NGINX_WORKER_PROCESSES: '1', KONG_LOG_LEVEL: 'error', KONG_TRACING_INSTRUMENTATIONS: process.env.KONG_TRACING_INSTRUMENTATIONS ?? 'all' },
});
try {
  await waitForHttp(`http://127.0.0.1:${adminPort}/status`, { status: 200, timeoutMs: 60000, gone: gw.exited });
  const load = (durationS: number) => runWrk({ wrk: wrk.path, url: `http://127.0.0.1:${port}${request.path}`, method: request.method,
    bodyFile, headers: request.headers, connections: Number(values.c), durationS, cpu: 1 });
  await load(3);
  const ins = await inspector(inspectPort);
  if (values.cpu) {
    await ins.call('Profiler.enable');
    await ins.call('Profiler.setSamplingInterval', { interval: 200 });
    await ins.call('Profiler.start');
    const run = await load(Number(values.seconds));
    const { profile } = (await ins.call('Profiler.stop')) as { profile: CpuProfile };
    ins.close();
    if (values.out) writeFileSync(values.out, JSON.stringify(profile));
    summarizeCpu(profile, run.requests);
  } else {
    await ins.call('HeapProfiler.enable');
    await ins.call('HeapProfiler.startSampling', { samplingInterval: Number(values.interval), includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    const run = await load(Number(values.seconds));
    const { profile } = (await ins.call('HeapProfiler.stopSampling')) as { profile: { head: HeapNode } };
    ins.close();
    if (values.out) writeFileSync(values.out, JSON.stringify(profile));
    const n = run.requests;
    const byFn = new Map<string, number>();
    const byFile = new Map<string, number>();
    let total = 0;
    const walk = (node: HeapNode): void => {
      const cf = node.callFrame;
      const file = cf.url.replace(/^file:\/\//, '').replace(`${ROOT.replace(/\/$/, '')}/`, '').replace(/^.*node_modules\//, 'node_modules/') || cf.functionName;
      if (node.selfSize > 0) {
        const key = `${cf.functionName || '(anonymous)'} ${file}:${cf.lineNumber + 1}`;
        byFn.set(key, (byFn.get(key) ?? 0) + node.selfSize);
        byFile.set(file, (byFile.get(file) ?? 0) + node.selfSize);
        total += node.selfSize;
      }
      for (const c of node.children) walk(c);
    };
    walk(profile.head);
    const top = Number(values.top);
    const show = (title: string, m: Map<string, number>): void => {
      console.log(`-- ${title}`);
      for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${String(Math.round(v / n)).padStart(7)} B  ${k}`);
    };
    console.log(`${n} requests, ${Math.round(total / n)} B sampled per request (${values.ai ? 'ai-proxy' : 'plain'}${values.sse ? ', SSE' : ''})`);
    show('bytes per request by allocating function', byFn);
    show('by file', byFile);
  }
} finally {
  await gw.stop();
  await mock.stop();
}
