// The copy of an LLM answer read for tokens (statistics, payload logs, or a balancer learning from
// usage with statistics off) is capped at MAX_RESPONSE_BYTES, whatever the chunking: past the cap
// the copy is dropped (no usage from it) and nothing larger is ever concatenated. The client's
// bytes are not held either way.
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Kong } from '../../pdk/index.ts'
import type { BodyChunk } from '../../core/plugins/contract.ts'
import { BodyReader } from '../../plugins/llm/pipeline/body-reader.ts'
import { MAX_RESPONSE_BYTES } from '../../plugins/llm/pipeline/inflate.ts'

const KONG = { service: { response: { getHeader: () => undefined } } } as unknown as Kong
const USAGE_TAIL = Buffer.from('"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}')

afterEach(() => { vi.restoreAllMocks() })

/** Feeds `total` bytes of filler in `size` pieces (one buffer reused), then the usage; the largest concat seen. */
function feed(reader: BodyReader, size: number, total: number): number {
  let largest = 0
  const concat = Buffer.concat.bind(Buffer)
  vi.spyOn(Buffer, 'concat').mockImplementation((list, len) => { const b = concat(list, len); largest = Math.max(largest, b.length); return b })
  const piece = Buffer.alloc(size, 0x20)
  for (let sent = 0; sent < total; sent += size) {
    const chunk: BodyChunk = { data: piece, eof: false }
    reader.body(KONG, chunk)
    expect(chunk.data).toBe(piece) // the client's bytes go on as they came
  }
  reader.body(KONG, { data: USAGE_TAIL, eof: true })
  return largest
}

describe('the answer copy read for tokens is bounded', () => {
  it.each([
    ['64 KiB pieces', 64 * 1024],
    ['1 MiB pieces', 1024 * 1024],
    ['4 MiB pieces', 4 * 1024 * 1024],
    ['pieces of the cap itself', MAX_RESPONSE_BYTES],
  ])('%s past the cap: the copy is dropped, no usage, nothing over the cap concatenated', (_name, size) => {
    const reader = new BodyReader('passthrough', true, false, null)
    const largest = feed(reader, size, MAX_RESPONSE_BYTES + 1)
    expect(largest).toBeLessThanOrEqual(MAX_RESPONSE_BYTES)
    expect(reader.usage()).toBeNull()
  })

  it('an answer under the cap is read', () => {
    const reader = new BodyReader('passthrough', true, false, null)
    reader.body(KONG, { data: Buffer.from('{"model":"m",'), eof: false })
    reader.body(KONG, { data: USAGE_TAIL, eof: true })
    expect(reader.usage()).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 })
    expect(reader.responseModel()).toBe('m')
  })

  it('nothing is kept when nothing reads the answer', () => {
    const reader = new BodyReader('passthrough', false, false, null)
    expect(feed(reader, 1024 * 1024, 8 * 1024 * 1024)).toBe(0)
    expect(reader.usage()).toBeNull()
  })
})
