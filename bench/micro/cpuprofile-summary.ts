/**
 * Self time by function of V8 .cpuprofile files (node --cpu-prof), as shares of the profiled samples, so profiles
 * taken on a busy machine compare. Functions from the gateway bundle are named by their source file through the
 * bundle's source maps (.build/<hash>/*.js.map), so `recordRequest plugins/prometheus/http-metrics.ts:97` reads as such.
 *
 *   node --import tsx bench/micro/cpuprofile-summary.ts [--top 40] [--requests N] FILE.cpuprofile...
 * Idle samples are left out; each sample weighs the time to the next one. With --requests N, CPU µs per request too.
 * `--inclusive PREFIX` (repeatable) adds the time of samples with a frame from files under PREFIX anywhere on the
 * stack (e.g. plugins/prometheus/: the plugin with the PDK and metric code it calls, inlined or not).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; hitCount?: number; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '40' }, requests: { type: 'string' }, json: { type: 'boolean' }, inclusive: { type: 'string', multiple: true, default: [] } } });

// source map: generated line → source file (enough to name the file a function comes from)
const VLQ = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const maps = new Map<string, { sources: string[]; lines: { col: number; src: number; line: number }[][] } | null>();
function mapOf(file: string) {
  if (maps.has(file)) return maps.get(file)!;
  let m = null;
  if (existsSync(`${file}.map`)) {
    const raw = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[]; mappings: string };
    const lines: { col: number; src: number; line: number }[][] = [];
    let src = 0, sline = 0, scol = 0;
    for (const l of raw.mappings.split(';')) {
      const segs: { col: number; src: number; line: number }[] = [];
      let col = 0;
      for (const seg of l.split(',')) {
        if (!seg) continue;
        const v: number[] = [];
        let shift = 0, acc = 0;
        for (const ch of seg) {
          const d = VLQ.indexOf(ch);
          acc += (d & 31) << shift;
          if (d & 32) shift += 5; else { v.push(acc & 1 ? -(acc >> 1) : acc >> 1); acc = 0; shift = 0; }
        }
        col += v[0]!;
        if (v.length >= 4) { src += v[1]!; sline += v[2]!; scol += v[3]!; segs.push({ col, src, line: sline }); }
      }
      lines.push(segs);
    }
    m = { sources: raw.sources.map((s) => s.replace(/^(\.\.\/)+/, '')), lines };
  }
  maps.set(file, m);
  return m;
}

function where(cf: Node['callFrame']): string {
  if (!cf.url) return '';
  if (cf.url.startsWith('file://')) {
    const file = fileURLToPath(cf.url);
    const m = mapOf(file);
    const segs = m?.lines[cf.lineNumber];
    if (m && segs && segs.length) {
      let best = segs[0]!;
      for (const s of segs) if (s.col <= cf.columnNumber) best = s;
      return `${m.sources[best.src]}:${best.line + 1}`;
    }
    return `${file.replace(/^.*node_modules\//, 'node_modules/')}:${cf.lineNumber + 1}`;
  }
  return `${cf.url}:${cf.lineNumber + 1}`;
}

const self = new Map<string, number>();
const byFile = new Map<string, number>();
const inclusive = new Map<string, number>(values.inclusive.map((prefix) => [prefix, 0]));
let total = 0;
for (const f of positionals) {
  const p = JSON.parse(readFileSync(f, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  /** the prefixes some frame of this node's stack is under */
  const under = (id: number): Set<string> => {
    const found = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const w = where(byId.get(at)!.callFrame);
      for (const prefix of inclusive.keys()) if (w.startsWith(prefix)) found.add(prefix);
    }
    return found;
  };
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]!)!;
    if (n.callFrame.functionName === '(idle)') continue; // the process waited: not CPU
    const us = p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0; // the time until the next sample
    const w = where(n.callFrame);
    const key = `${n.callFrame.functionName || '(anonymous)'} ${w}`;
    self.set(key, (self.get(key) ?? 0) + us);
    const file = w.replace(/:\d+$/, '') || n.callFrame.functionName;
    byFile.set(file, (byFile.get(file) ?? 0) + us);
    if (inclusive.size > 0) for (const prefix of under(n.id)) inclusive.set(prefix, inclusive.get(prefix)! + us);
    total += us;
  }
}
if (values.json) {
  // µs (or µs per request with --requests) by function, for diffing two runs
  const per = values.requests ? Number(values.requests) : 1;
  console.log(JSON.stringify(Object.fromEntries([...self].map(([k, v]) => [k, v / per]))));
  process.exit(0);
}
const top = Number(values.top);
const pct = (n: number) => `${((n / total) * 100).toFixed(2).padStart(6)} %`;
console.log(`${(total / 1e6).toFixed(2)} s on CPU (idle left out)${values.requests ? `, ${(total / Number(values.requests)).toFixed(1)} µs per request` : ''}`);
const AREAS = ['plugins/opentelemetry/', 'plugins/prometheus/', 'core/status/', 'core/runloop/serialize.ts', 'core/runloop/tracing-hook.ts', 'pdk/', '(garbage collector)'];
for (const a of AREAS) {
  let n = 0;
  for (const [k, v] of byFile) if (k.startsWith(a)) n += v;
  console.log(`${pct(n)}  ${a}${values.requests ? ` (${(n / Number(values.requests)).toFixed(2)} µs/req)` : ''}`);
}
for (const [prefix, n] of inclusive) console.log(`${pct(n)}  ${prefix} and what it calls${values.requests ? ` (${(n / Number(values.requests)).toFixed(2)} µs/req)` : ''}`);
console.log('\n-- self time by function');
for (const [k, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(n)}  ${k}`);
console.log('\n-- self time by file');
for (const [k, n] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(n)}  ${k}`);
