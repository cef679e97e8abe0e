// Ids come from a pool of random bytes: lowercase hex of the right width, never all zeros (W3C
// calls an all-zero id invalid), whatever the pool held where an id was cut.
import { describe, expect, it, vi } from 'vitest'

// each refill writes the next pattern: `zeros` zero bytes, then 0x5a
const fills: number[] = []
let refills = 0
vi.mock('node:crypto', async (orig) => ({
  ...(await orig<typeof import('node:crypto')>()),
  randomFillSync: (b: Buffer) => {
    refills++
    const zeros = fills.shift() ?? 0
    b.fill(0x5a)
    b.fill(0, 0, Math.min(zeros, b.length))
    return b
  },
}))

const { newSpanId, newTraceId } = await import('../../../plugins/opentelemetry/trace-ids.ts')

describe('trace and span ids', () => {
  // ids are cut from the first bytes of a fresh pool: all-zero ones are skipped, a partly zero one kept
  it.each([
    { zeros: 0, trace: '5a'.repeat(16), span: '5a'.repeat(8) },
    { zeros: 8, trace: '00'.repeat(8) + '5a'.repeat(8), span: '5a'.repeat(8) },
    { zeros: 16, trace: '5a'.repeat(16), span: '5a'.repeat(8) },
    { zeros: 40, trace: '00'.repeat(8) + '5a'.repeat(8), span: '5a'.repeat(8) }, // two all-zero ids skipped
    { zeros: 17, trace: '00' + '5a'.repeat(15), span: '5a'.repeat(8) },
  ])('a pool starting with $zeros zero bytes', ({ zeros, trace, span }) => {
    // empty the pool exactly: draw until a refill, then the rest of that 4 KiB (ids are 8 or 16 bytes)
    const r = refills
    for (let i = 0; i <= 4096 / 8 && refills === r; i++) newSpanId()
    for (let i = 0; i < 4096 / 8 - 1; i++) newSpanId()
    fills.push(zeros)
    const t = newTraceId()
    expect(t).toMatch(/^[0-9a-f]{32}$/)
    expect(t).not.toMatch(/^0+$/)
    expect(t).toBe(trace)
    const s = newSpanId()
    expect(s).toMatch(/^[0-9a-f]{16}$/)
    expect(s).toBe(span)
  })
})
