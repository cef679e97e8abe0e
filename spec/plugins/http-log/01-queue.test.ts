import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import pino from 'pino'
import { BatchQueue } from '../../../plugins/http-log/batch-queue.ts'
import type { QueueConf } from '../../../plugins/http-log/schema.ts'

const log = pino({ level: 'silent' })
const conf = (q: Partial<QueueConf> = {}): QueueConf => ({
  max_batch_size: 3, max_coalescing_delay: 1, max_entries: 10000, max_retry_time: 60, initial_retry_delay: 0.01, max_retry_delay: 60, concurrency_limit: 1, ...q,
})

beforeEach(() => { vi.useFakeTimers() })
afterEach(() => { vi.useRealTimers() })

describe('http-log batch queue', () => {
  it('sends a full batch at once, without waiting for the delay', async () => {
    const sent: number[][] = []
    const q = new BatchQueue<number>(conf(), async (b) => { sent.push(b) }, log)
    q.add(1); q.add(2); q.add(3)
    await vi.advanceTimersByTimeAsync(0)
    expect(sent).toEqual([[1, 2, 3]])
  })

  it('sends a partial batch after max_coalescing_delay', async () => {
    const sent: number[][] = []
    const q = new BatchQueue<number>(conf(), async (b) => { sent.push(b) }, log)
    q.add(1)
    await vi.advanceTimersByTimeAsync(999)
    expect(sent).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(sent).toEqual([[1]])
  })

  it('one batch in flight at a time; entries added meanwhile go in the next', async () => {
    const sent: number[][] = []
    let release!: () => void
    const q = new BatchQueue<number>(conf({ max_batch_size: 1 }), (b) => { sent.push(b); return new Promise<void>((r) => { release = r }) }, log)
    q.add(1); q.add(2)
    await vi.advanceTimersByTimeAsync(0)
    expect(sent).toEqual([[1]])
    release()
    await vi.advanceTimersByTimeAsync(0)
    expect(sent).toEqual([[1], [2]])
  })

  it('retries with exponential backoff, then drops after max_retry_time', async () => {
    const attempts: number[] = []
    const q = new BatchQueue<number>(conf({ max_batch_size: 1, initial_retry_delay: 1, max_retry_time: 5 }), async () => { attempts.push(Date.now()); throw new Error('down') }, log)
    const t0 = Date.now()
    q.add(1)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(attempts.map((t) => t - t0)).toEqual([0, 1000, 3000]) // next would be at 7000 > 5 s
    expect(q.size).toBe(0)
  })

  it('drops the oldest entries beyond max_entries', async () => {
    const sent: number[][] = []
    const q = new BatchQueue<number>(conf({ max_entries: 2, max_batch_size: 10 }), async (b) => { sent.push(b) }, log)
    q.add(1); q.add(2); q.add(3)
    await q.flush()
    expect(sent).toEqual([[2, 3]])
  })
})
