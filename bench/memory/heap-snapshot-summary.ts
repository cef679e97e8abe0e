/**
 * What a V8 heap snapshot holds, by kind and constructor (or closure name): count and self bytes, biggest first,
 * optionally as bytes per open stream. With a baseline snapshot (idle), prints the difference: what M open
 * streams add. Snapshots come from bench/memory/rss-breakdown.ts --heap-snapshot (or node --heapsnapshot-signal).
 *
 *   node --import tsx bench/memory/heap-snapshot-summary.ts FILE.heapsnapshot [--base IDLE.heapsnapshot] [--per 1000] [--top 50]
 *     [--retainers NAME]
 *
 * `--retainers NAME` lists instead what holds the objects of constructor NAME (or of a kind: `kind:string`,
 * `kind:array`): the holder's kind and name and the edge (property or element) it holds them by, with counts and
 * the held objects' bytes; with `--base`, only objects made since the base (what the open streams added).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { base: { type: 'string' }, per: { type: 'string', default: '1' }, top: { type: 'string', default: '50' }, retainers: { type: 'string' } },
});

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** (kind, name) → [count, self bytes] */
function tally(file: string): Map<string, [number, number]> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const f = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [T, N, S] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const out = new Map<string, [number, number]>();
  for (let i = 0; i < s.nodes.length; i += f.length) {
    const kind = types[s.nodes[i + T]!]!;
    // strings and numbers by kind only: their names are their contents
    const name = kind === 'string' || kind === 'concatenated string' || kind === 'sliced string' || kind === 'number' ? '' : s.strings[s.nodes[i + N]!]!;
    const key = `${kind} ${name.length > 60 ? `${name.slice(0, 60)}…` : name}`;
    const e = out.get(key) ?? [0, 0];
    e[0]++;
    e[1] += s.nodes[i + S]!;
    out.set(key, e);
  }
  return out;
}

/** Ids of the objects in a snapshot (the same object keeps its id across snapshots of one process). */
function idsOf(file: string): Set<number> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const nf = s.snapshot.meta.node_fields.length, I = s.snapshot.meta.node_fields.indexOf('id');
  const out = new Set<number>();
  for (let i = 0; i < s.nodes.length; i += nf) out.add(s.nodes[i + I]!);
  return out;
}

/**
 * holder kind/name and edge name → how many NAME objects it holds that way, and their self bytes. With `old`
 * (the base snapshot's ids), only objects made since the base count: what the open streams hold, not the idle heap.
 */
function retainers(file: string, name: string, old: Set<number> | null): void {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const m = s.snapshot.meta;
  const nf = m.node_fields.length, ef = m.edge_fields.length;
  const [T, N, EC] = [m.node_fields.indexOf('type'), m.node_fields.indexOf('name'), m.node_fields.indexOf('edge_count')];
  const [I, S] = [m.node_fields.indexOf('id'), m.node_fields.indexOf('self_size')];
  const [ET, EN, ETO] = [m.edge_fields.indexOf('type'), m.edge_fields.indexOf('name_or_index'), m.edge_fields.indexOf('to_node')];
  const types = m.node_types[0], etypes = m.edge_types[0];
  const out = new Map<string, [number, number]>();
  const byKind = name.startsWith('kind:');
  let e = 0;
  for (let i = 0; i < s.nodes.length; i += nf) {
    const count = s.nodes[i + EC]!;
    for (let k = 0; k < count; k++, e += ef) {
      const to = s.edges[e + ETO]!;
      const kind = types[s.nodes[to + T]!]!;
      if (byKind ? kind !== name.slice(5) : s.strings[s.nodes[to + N]!] !== name || kind !== 'object') continue;
      if (old !== null && old.has(s.nodes[to + I]!)) continue;
      const et = etypes[s.edges[e + ET]!]!;
      if (et === 'weak') continue;
      const edge = et === 'element' || et === 'hidden' ? `[${et}]` : s.strings[s.edges[e + EN]!]!;
      const key = `${types[s.nodes[i + T]!]} ${s.strings[s.nodes[i + N]!]!.slice(0, 50)} .${edge}`;
      const r = out.get(key) ?? [0, 0];
      r[0]++;
      r[1] += s.nodes[to + S]!;
      out.set(key, r);
    }
  }
  console.log(`${'count'.padStart(8)} ${'bytes'.padStart(10)}  holder .edge`);
  for (const [k, [n, b]] of [...out].sort((a, c) => c[1][1] - a[1][1]).slice(0, Number(values.top))) console.log(`${String(n).padStart(8)} ${String(b).padStart(10)}  ${k}`);
}

if (values.retainers) {
  retainers(positionals[0]!, values.retainers, values.base ? idsOf(values.base) : null);
  process.exit(0);
}

const per = Number(values.per);
const now = tally(positionals[0]!);
const base = values.base ? tally(values.base) : new Map<string, [number, number]>();
const rows = [...now].map(([k, [n, b]]) => [k, n - (base.get(k)?.[0] ?? 0), b - (base.get(k)?.[1] ?? 0)] as const);
let totalBytes = 0;
for (const r of rows) totalBytes += r[2];
console.log(`${values.base ? 'added over the base' : 'heap'}: ${(totalBytes / 1048576).toFixed(1)} MB${per > 1 ? `, ${Math.round(totalBytes / per)} B per ${per}th` : ''}`);
console.log(`${'count'.padStart(10)} ${'self B'.padStart(12)} ${per > 1 ? 'B each'.padStart(8) : ''}  kind name`);
for (const [k, n, b] of rows.sort((a, c) => c[2] - a[2]).slice(0, Number(values.top))) {
  console.log(`${String(n).padStart(10)} ${String(b).padStart(12)} ${per > 1 ? String(Math.round(b / per)).padStart(8) : ''}  ${k}`);
}
