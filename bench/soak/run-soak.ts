/**
 * `npm run bench -- --soak`: the plain-proxy gateway on the gateway core for N minutes at a fixed rate from
 * bench/soak/load-gen.ts on the load core; every second the gateway's RSS (/proc) and V8 heap (Admin API /status)
 * are sampled; the summary compares RSS growth and errors with the targets, and a plot of throughput, p99 and RSS
 * over time goes to bench/results/soak-<timestamp>.svg (with the samples as .json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnPinned } from '../proc/children.ts';
import { processTree, rssKb } from '../proc/proc-stats.ts';
import { proxyConfig } from '../scenarios/kong-config.ts';
import { openaiChat } from '../scenarios/requests.ts';
import { startGateway } from '../targets/gateway.ts';
import { startMock } from '../targets/mock.ts';
import { lastLines } from '../targets/types.ts';
import { formatSoak } from './format-soak.ts';
import { summarizeSoak, warmupSeconds, type SoakSecond } from './soak-summary.ts';
import { plotSvg } from './svg-plot.ts';

const LOAD_GEN = fileURLToPath(new URL('./load-gen.ts', import.meta.url));

export interface SoakOptions {
  minutes: number;
  rate: number;
  save: boolean;
  gatewayCpu: number;
  loadCpu: number;
  repoRoot: string;
  tmpDir: string;
  resultsDir: string;
  log: (s: string) => void;
}

async function heapMb(adminPort: number | undefined): Promise<number> {
  if (!adminPort) return NaN;
  try {
    const r = await fetch(`http://127.0.0.1:${adminPort}/status`, { signal: AbortSignal.timeout(500) });
    const j = (await r.json()) as { memory?: { process?: { heap_used?: number } } };
    const used = j.memory?.process?.heap_used;
    return typeof used === 'number' ? used / 2 ** 20 : NaN;
  } catch {
    return NaN;
  }
}

export async function runSoak(o: SoakOptions): Promise<void> {
  const seconds = Math.round(o.minutes * 60);
  const mock = await startMock({ cpu: o.loadCpu, cwd: o.repoRoot, chunks: 20, gapMs: 0 });
  const gw = await startGateway({ repoRoot: o.repoRoot, cpu: o.gatewayCpu, tmpDir: o.tmpDir, name: 'soak', config: proxyConfig(`http://127.0.0.1:${mock.port}`) });
  if (!gw.ok) {
    await mock.stop();
    throw new Error(`soak: ${gw.reason}`);
  }
  const spec = openaiChat(false);
  const specFile = join(o.tmpDir, 'soak-spec.json');
  writeFileSync(specFile, JSON.stringify(spec));
  o.log(`soak: ${o.minutes} min at ${o.rate} req/s, plain proxy on CPU ${o.gatewayCpu}, load generator on CPU ${o.loadCpu}`);
  const samples: SoakSecond[] = [];
  let buf = '';
  const gen = spawnPinned('soak-load', process.execPath, ['--import', 'tsx', LOAD_GEN, '--url', `http://127.0.0.1:${gw.port}${spec.path}`,
    '--rate', String(o.rate), '--seconds', String(seconds), '--spec', specFile], {
    cpu: o.loadCpu,
    cwd: o.repoRoot,
    onStdout: (t) => {
      buf += t;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const s = JSON.parse(line) as SoakSecond;
        // Sampled when the generator's second closes, so memory and load line up within a few ms.
        s.rssMb = rssKb(processTree(gw.pid)) / 1024;
        samples.push(s);
        void heapMb(gw.adminPort).then((h) => (s.heapMb = h));
        if (s.t % 10 === 0 || s.errors) o.log(`soak ${s.t}/${seconds} s: ${s.done} req/s, p99 ${(s.p99Us / 1000).toFixed(2)} ms, RSS ${s.rssMb.toFixed(1)} MB, errors ${s.errors}${s.firstError ? ` (${s.firstError})` : ''}`);
      }
    },
  });
  try {
    const code = await gen.exited;
    if (code !== 0) throw new Error(`soak load generator exited (${code}): ${lastLines(gen.output())}`);
  } finally {
    await gw.stop();
    await mock.stop();
  }
  const summary = summarizeSoak(samples, o.rate, warmupSeconds(seconds));
  const table = formatSoak(summary, o);
  process.stdout.write(`\n${table}\n`);
  if (o.save) {
    const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
    mkdirSync(o.resultsDir, { recursive: true });
    const base = join(o.resultsDir, `soak-${stamp}`);
    const pts = (f: (s: SoakSecond) => number): [number, number][] => samples.map((s) => [s.t, f(s)]);
    writeFileSync(`${base}.svg`, plotSvg(`Soak: plain proxy at ${o.rate} req/s for ${o.minutes} min`, [
      { title: 'throughput', unit: 'req/s', points: pts((s) => s.done) },
      { title: 'p99 latency', unit: 'ms', points: pts((s) => s.p99Us / 1000) },
      { title: 'gateway RSS', unit: 'MB', points: pts((s) => s.rssMb) },
      { title: 'gateway V8 heap used', unit: 'MB', points: pts((s) => s.heapMb) },
    ]));
    writeFileSync(`${base}.json`, `${JSON.stringify({ settings: { minutes: o.minutes, rate: o.rate }, summary, samples }, null, 1)}\n`);
    writeFileSync(`${base}.md`, `${table}\n\n![soak](./soak-${stamp}.svg)\n`);
    o.log(`saved ${base}.{svg,json,md}`);
  }
}
