// The node-wide counter table: exact under concurrency from several threads, windows rolling,
// and bounded: a flood of distinct keys fills it and then reports FULL, never grows or throws.
import { describe, expect, it } from 'vitest'
import { Worker } from 'node:worker_threads'
import { once } from 'node:events'
import { CounterTable, PROBES, SLOTS } from '../../../core/counter-table/counter-table.ts'

const HAMMER = new URL('./hammer-worker.mjs', import.meta.url)

async function hammer(t: CounterTable, threads: number, data: Record<string, unknown>): Promise<number[]> {
  const ws = Array.from({ length: threads }, () => new Worker(HAMMER, { workerData: { buffer: t.buffer, ...data } }))
  return Promise.all(ws.map(async (w) => { const [n] = await once(w, 'message') as [number]; await w.terminate(); return n }))
}

describe('CounterTable across threads', () => {
  it('4 threads × 20000 adds on one key: exactly 80000', async () => {
    const t = new CounterTable()
    await hammer(t, 4, { op: 'add', key: 'k', times: 20_000 })
    expect(t.read('k', 0, 60_000)).toBe(80_000)
  })

  it('4 threads × 5000 check-and-adds under a limit of 7777: exactly 7777 admitted, never more', async () => {
    const t = new CounterTable()
    const admitted = await hammer(t, 4, { op: 'within', key: 'k', times: 5_000, limit: 7_777 })
    expect(admitted.reduce((a, b) => a + b, 0)).toBe(7_777)
    expect(t.read('k', 0, 60_000)).toBe(7_777)
  })
})

describe('CounterTable windows', () => {
  it('a new window starts at 0 and keeps the previous window for sliding; an older window is gone', () => {
    const t = new CounterTable()
    t.add('k', 0, 1000, 5)
    expect(t.read('k', 1000, 1000)).toBe(0)
    expect(t.previous).toBe(5)
    t.add('k', 1000, 1000, 2)
    expect(t.read('k', 3000, 1000)).toBe(0)
    expect(t.previous).toBe(0)
  })

  it('addWithin refuses at the limit and adds nothing', () => {
    const t = new CounterTable()
    expect(t.addWithin('k', 0, 1000, 1, 2)).toBe(0)
    expect(t.addWithin('k', 0, 1000, 1, 2)).toBe(1)
    expect(t.addWithin('k', 0, 1000, 1, 2)).toBe(-3)
    expect(t.read('k', 0, 1000)).toBe(2)
  })
})

describe('CounterTable bound', () => {
  it(`${SLOTS} slots: a flood of distinct keys ends in FULL (NaN) for new keys, live keys keep counting, expired slots are reclaimed`, () => {
    const t = new CounterTable()
    t.add('victim', 0, 60_000, 3)
    let full = 0
    for (let i = 0; i < SLOTS + 10_000; i++) if (Number.isNaN(t.add(`flood-${i}`, 0, 60_000, 1))) full++
    expect(full).toBeGreaterThan(10_000 - 1)
    expect(t.add('victim', 0, 60_000, 1)).toBe(4)
    // two windows later every flood counter has expired: new keys get slots again
    expect(t.add('newcomer', 120_000, 60_000, 1)).toBe(1)
    expect(t.buffer.byteLength).toBe(SLOTS * 48 + 8)
    expect(PROBES).toBeLessThan(SLOTS)
  })
})

describe('CounterTable placement', () => {
  /** the slot a lone key landed in (the first slot whose key words are set) */
  function slotOf(t: CounterTable): number {
    const i32 = new Int32Array(t.buffer)
    for (let s = 0; s < SLOTS; s++) if (i32[s * 12 + 2] !== 0) return s
    return -1
  }

  // identifiers chosen offline to share one probe run must not share it on another node
  it('each node seeds its hash: the same keys land in different slots in two tables', () => {
    const keys = ['ip:203.0.113.7', 'consumer:alice', 'header:x', 'path:/a', 'k1', 'k2', 'k3', 'k4']
    const differ = keys.filter((k) => {
      const a = new CounterTable()
      const b = new CounterTable()
      a.add(k, 0, 60_000, 1)
      b.add(k, 0, 60_000, 1)
      return slotOf(a) !== slotOf(b)
    })
    expect(differ.length).toBeGreaterThan(0)
  })

  it('an adopted table (a worker) uses the creator\'s seed: it finds the same counters', () => {
    const a = new CounterTable()
    a.add('consumer:alice', 0, 60_000, 3)
    const b = new CounterTable(a.buffer)
    expect(b.read('consumer:alice', 0, 60_000)).toBe(3)
  })
})
