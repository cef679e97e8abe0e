// Metric families for the hot path, exposed through prom-client. prom-client's own Counter and
// Histogram hash the label object on every inc()/observe() (a sorted label string per call); here
// a series is a plain object found once (callers cache it, e.g. per route), so recording is a
// number added to a field. prom-client still does everything around it: the thread's Registry,
// the JSON snapshot workers send on scrape, the cross-thread sum (AggregatorRegistry.aggregate)
// and the text format, through each family's `get()` (prom-client's metric object shape).
// A thread's families are kept in a registry of our own (below), not prom-client's: prom-client
// (with @opentelemetry/api, tdigest, bintrees: ~1.5 MB of heap per isolate) is then loaded only
// by the main thread, which merges and renders scrapes (core/status/node-metrics.ts), never by a
// worker thread.

/** One metric as prom-client's getMetricsAsJSON() gives it (its .d.ts does not export the type). */
export interface MetricSnapshot {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'histogram'
  /** how AggregatorRegistry.aggregate merges threads: counters and histograms sum */
  aggregator: 'sum' | 'first' | 'max' | 'omit'
  values: { value: number; labels: Record<string, string | number>; metricName?: string }[]
}

type Family = CounterFamily | HistogramFamily

/**
 * The families recorded in one thread, by name: the part of prom-client's Registry a thread uses
 * (register, look up, snapshot), so recording and a worker's answer to a scrape need no prom-client.
 */
export class ThreadFamilies {
  private readonly byName = new Map<string, Family>()

  getSingleMetric(name: string): Family | undefined {
    return this.byName.get(name)
  }

  registerMetric(family: Family): void {
    const known = this.byName.get(family.name)
    if (known && known !== family) throw new Error(`A metric with the name ${family.name} has already been registered.`)
    this.byName.set(family.name, family)
  }

  getMetricsAsArray(): Family[] {
    return [...this.byName.values()]
  }

  /** prom-client's JSON shape (what AggregatorRegistry.aggregate sums) */
  getMetricsAsJSON(): MetricSnapshot[] {
    return this.getMetricsAsArray().map((f) => f.get())
  }
}

/** This thread's metrics: what a worker sends on scrape (core/server/worker.ts). */
export const threadRegistry = new ThreadFamilies()

/**
 * Series per family, at most: label values a client can steer (a model name) are capped before
 * they get here, this is the backstop so no input grows memory without bound. Past it a family
 * records into one detached series that is never exported, and counts how often.
 */
export const MAX_SERIES_PER_FAMILY = 10_000

type Labels = Record<string, string>

function labelsOf(names: readonly string[], values: readonly string[]): Labels {
  const labels: Labels = {} // keys are the family's own label names, never input
  for (let i = 0; i < names.length; i++) labels[names[i]!] = values[i] ?? ''
  return labels
}

export interface CounterSeries { value: number; readonly labels: Labels }

/**
 * A counter's series as a class, not an object literal: V8 boxed every fractional store
 * (`value += cost`) of the literal `{ value: 0, labels }` in a new 16-byte HeapNumber, per request;
 * a class field holds the double in place (bench/micro/prometheus-log.bench.ts counts the bytes).
 */
class Counter implements CounterSeries {
  value = 0
  constructor(readonly labels: Labels) {}
}

export class CounterFamily {
  readonly type = 'counter' as const
  readonly aggregator = 'sum' as const
  private readonly all = new Map<string, CounterSeries>()
  /** series refused past MAX_SERIES_PER_FAMILY */
  dropped = 0

  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[]) {}

  /** The series for these label values (in `labelNames` order); cache it, this joins a key. */
  series(values: readonly string[]): CounterSeries {
    const key = values.join('\u0000')
    let s = this.all.get(key)
    if (s) return s
    s = new Counter(labelsOf(this.labelNames, values))
    if (this.all.size >= MAX_SERIES_PER_FAMILY) { this.dropped++; return s }
    this.all.set(key, s)
    return s
  }

  get(): MetricSnapshot {
    const values: MetricSnapshot['values'] = []
    for (const s of this.all.values()) values.push({ value: s.value, labels: s.labels })
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }
}

export interface HistogramSeries {
  /** per bucket, not cumulative (made cumulative on export); the last slot is +Inf */
  readonly counts: Float64Array
  sum: number
  count: number
  readonly labels: Labels
}

/** Whole values up to this have their bucket in a table (1 byte each). */
const BUCKET_TABLE_MAX = 4096

/**
 * bucket index by ceil(v) for 0 <= v <= the table's end, when every bound is a whole number (then
 * v <= bound exactly when ceil(v) <= bound); null when a bound is not.
 */
function bucketTable(buckets: readonly number[]): Uint8Array | null {
  if (buckets.length > 255 || !buckets.every(Number.isInteger)) return null
  const end = Math.min(BUCKET_TABLE_MAX, Math.max(0, buckets[buckets.length - 1] ?? 0))
  const table = new Uint8Array(end + 1)
  let i = 0
  for (let v = 0; v <= end; v++) {
    while (i < buckets.length && v > buckets[i]!) i++
    table[v] = i
  }
  return table
}

export class HistogramFamily {
  readonly type = 'histogram' as const
  readonly aggregator = 'sum' as const
  private readonly all = new Map<string, HistogramSeries>()
  /** latencies are mostly small whole ms: their bucket is one read, not a search */
  private readonly table: Uint8Array | null
  dropped = 0

  constructor(readonly name: string, readonly help: string, readonly labelNames: readonly string[], readonly buckets: readonly number[]) {
    this.table = bucketTable(buckets)
  }

  /** The slot of `v`: the first bucket whose bound is >= v, else the +Inf slot. */
  bucketOf(v: number): number {
    const t = this.table
    // NaN and negative values fail the test and take the search (they land in the first slot)
    if (t !== null && v >= 0 && v <= t.length - 1) return t[Math.ceil(v)]!
    const b = this.buckets
    let i = 0
    while (i < b.length && v > b[i]!) i++
    return i
  }

  series(values: readonly string[]): HistogramSeries {
    const key = values.join('\u0000')
    let s = this.all.get(key)
    if (s) return s
    s = { counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0, labels: labelsOf(this.labelNames, values) }
    if (this.all.size >= MAX_SERIES_PER_FAMILY) { this.dropped++; return s }
    this.all.set(key, s)
    return s
  }

  observe(s: HistogramSeries, v: number): void {
    s.counts[this.bucketOf(v)]!++
    s.sum += v
    s.count++
  }

  get(): MetricSnapshot {
    const values: MetricSnapshot['values'] = []
    const bucket = `${this.name}_bucket`
    for (const s of this.all.values()) {
      let acc = 0
      for (let i = 0; i <= this.buckets.length; i++) {
        acc += s.counts[i]!
        values.push({ metricName: bucket, labels: { ...s.labels, le: i < this.buckets.length ? this.buckets[i]! : '+Inf' }, value: acc })
      }
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum })
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count })
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }
}

/** Registers a family in this thread's registry once (a module loaded twice gets the first). */
export function registerFamily<F extends Family>(family: F): F {
  const known = threadRegistry.getSingleMetric(family.name)
  if (known) return known as F
  threadRegistry.registerMetric(family)
  return family
}
