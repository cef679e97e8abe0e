/**
 * A tiny micro-benchmark helper for bench/micro/*.bench.ts (one hot function per file, variants side by side).
 *
 *   import { compare } from './measure.ts';
 *   compare('usage from an answer', { 'JSON.parse': () => f(a), 'lastIndexOf': () => g(a) });
 *
 * Each variant is warmed up, then timed in batches sized to ~2 ms; the table shows the median ns/op over the
 * batches, p99, ops/s and the ratio to the first variant. Results are kept in a sink so work is not optimised away.
 * Run files one process each (`npm run bench -- --micro`), so one variant's JIT state does not leak into another's.
 * `compareAsync` does the same for functions that may return a promise: a returned promise is awaited before the
 * next call, so an op includes the microtask turns it takes; a plain value is not awaited (as the gateway's
 * pipeline only waits on thenables), so sync and promise paths of one function can be compared.
 */
import { performance } from 'node:perf_hooks';

export interface MeasureOptions {
  /** Time spent measuring each variant, ms. */
  timeMs?: number;
  /** Warm-up per variant, ms. */
  warmupMs?: number;
}

export interface Measurement {
  name: string;
  nsPerOp: number;
  p99NsPerOp: number;
  opsPerSec: number;
  batches: number;
}

let sink: unknown;
/** Keeps a value alive so the measured work cannot be dropped. */
export function consume(v: unknown): void {
  sink = v;
}

function batchSize(fn: () => unknown): number {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) sink = fn();
    if (performance.now() - t0 >= 2 || n >= 1 << 24) return n;
    n *= 2;
  }
}

export function measure(name: string, fn: () => unknown, o: MeasureOptions = {}): Measurement {
  const warmEnd = performance.now() + (o.warmupMs ?? 300);
  while (performance.now() < warmEnd) sink = fn();
  const n = batchSize(fn);
  const samples: number[] = [];
  const end = performance.now() + (o.timeMs ?? 1000);
  while (performance.now() < end) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) sink = fn();
    samples.push(((performance.now() - t0) * 1e6) / n);
  }
  return summarize(name, samples);
}

function summarize(name: string, samples: number[]): Measurement {
  samples.sort((a, b) => a - b);
  const med = samples[samples.length >> 1];
  return { name, nsPerOp: med, p99NsPerOp: samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))], opsPerSec: 1e9 / med, batches: samples.length };
}

function printTable(title: string, out: Measurement[]): void {
  const base = out[0]?.nsPerOp ?? 1;
  const width = Math.max(...out.map((m) => m.name.length), 7);
  const lines = [`\n${title}`, `  ${'variant'.padEnd(width)}  ${'ns/op'.padStart(10)}  ${'p99 ns/op'.padStart(10)}  ${'ops/s'.padStart(12)}  vs first`];
  for (const m of out) {
    lines.push(`  ${m.name.padEnd(width)}  ${m.nsPerOp.toFixed(1).padStart(10)}  ${m.p99NsPerOp.toFixed(1).padStart(10)}  ` +
      `${Math.round(m.opsPerSec).toLocaleString('en-US').padStart(12)}  ${(m.nsPerOp / base).toFixed(2)}×`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

/** Measures each variant in turn and prints a table; returns the measurements. */
export function compare(title: string, variants: Record<string, () => unknown>, o: MeasureOptions = {}): Measurement[] {
  const out = Object.entries(variants).map(([name, fn]) => measure(name, fn, o));
  printTable(title, out);
  void sink;
  return out;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

/** `measure` for a function that may return a promise: a promise is awaited before the next call, a value is not. */
export async function measureAsync(name: string, fn: () => unknown, o: MeasureOptions = {}): Promise<Measurement> {
  const warmEnd = performance.now() + (o.warmupMs ?? 300);
  while (performance.now() < warmEnd) { const r = fn(); sink = isThenable(r) ? await r : r; }
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) { const r = fn(); sink = isThenable(r) ? await r : r; }
    if (performance.now() - t0 >= 2 || n >= 1 << 24) break;
    n *= 2;
  }
  const samples: number[] = [];
  const end = performance.now() + (o.timeMs ?? 1000);
  while (performance.now() < end) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) { const r = fn(); sink = isThenable(r) ? await r : r; }
    samples.push(((performance.now() - t0) * 1e6) / n);
  }
  return summarize(name, samples);
}

/** `compare` for code whose result may be a promise (awaited when it is one). */
export async function compareAsync(title: string, variants: Record<string, () => unknown>, o: MeasureOptions = {}): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for (const [name, fn] of Object.entries(variants)) out.push(await measureAsync(name, fn, o));
  printTable(title, out);
  void sink;
  return out;
}
