// Kong's plugin queue (kong/tools/queue.lua), per plugin config: entries are batched up to
// max_batch_size or max_coalescing_delay, sent one batch at a time, retried with exponential
// backoff until max_retry_time, and dropped (oldest first) beyond max_entries. Nothing here runs
// on the request: `add` is a push, sending happens on timers and promise callbacks.
import type { Logger } from 'pino'
import type { QueueConf } from './schema.ts'

export type SendBatch<T> = (batch: T[]) => Promise<void>

export class BatchQueue<T> {
  private entries: T[] = []
  private timer: ReturnType<typeof setTimeout> | null = null
  private sending: Promise<void> | null = null

  constructor(private readonly conf: QueueConf, private readonly send: SendBatch<T>, private readonly log: Logger) {}

  /** Entries waiting to be sent (not counting the batch in flight). */
  get size(): number { return this.entries.length }

  add(entry: T): void {
    if (this.entries.length >= this.conf.max_entries) {
      this.entries.shift()
      this.log.warn(`queue full (max_entries ${this.conf.max_entries}): dropping the oldest entry`)
    }
    this.entries.push(entry)
    this.schedule()
  }

  /** Sends everything now (process exit, config change); resolves when the queue is empty. */
  async flush(): Promise<void> {
    this.clearTimer()
    while (this.sending || this.entries.length) await (this.sending ?? this.sendNext())
  }

  private schedule(): void {
    if (this.sending || this.entries.length === 0) return
    if (this.entries.length >= this.conf.max_batch_size || this.conf.max_coalescing_delay === 0) {
      this.clearTimer()
      void this.sendNext().then(() => this.schedule())
      return
    }
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = null
      void this.sendNext().then(() => this.schedule())
    }, this.conf.max_coalescing_delay * 1000)
    this.timer.unref?.()
  }

  private clearTimer(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null }
  }

  private sendNext(): Promise<void> {
    if (this.sending) return this.sending
    if (this.entries.length === 0) return Promise.resolve()
    const batch = this.entries.splice(0, this.conf.max_batch_size)
    this.sending = this.deliver(batch).finally(() => { this.sending = null })
    return this.sending
  }

  private async deliver(batch: T[]): Promise<void> {
    const deadline = Date.now() + this.conf.max_retry_time * 1000
    let delay = this.conf.initial_retry_delay
    for (;;) {
      try {
        await this.send(batch)
        return
      } catch (err) {
        if (Date.now() + delay * 1000 > deadline) {
          this.log.error({ err }, `could not send ${batch.length} entries, giving up after max_retry_time`)
          return
        }
        this.log.warn({ err }, `could not send ${batch.length} entries, retrying in ${delay}s`)
        await new Promise<void>((r) => { const t = setTimeout(r, delay * 1000); t.unref?.() })
        delay = Math.min(delay * 2, this.conf.max_retry_delay)
      }
    }
  }
}
