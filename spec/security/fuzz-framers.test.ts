// Property-based: the stream framers on random bytes cut at random places. They never throw
// anything but their own errors, the events do not depend on where the chunks were cut, and what
// they retain stays under their cap.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { SseFramer } from '../../plugins/llm/transcoders/sse.ts'
import { createNdjsonFramer } from '../../plugins/llm/transcoders/ndjson.ts'
import { JsonArrayFramer } from '../../plugins/llm/transcoders/json-array.ts'
import { createAwsEventStreamFramer, encodeAwsEvent } from '../../plugins/llm/transcoders/aws-event-stream.ts'
import { FrameTooLarge, MAX_FRAME_BYTES } from '../../plugins/llm/transcoders/frame-limit.ts'
import type { Framer } from '../../plugins/llm/types.ts'

/** FUZZ_RUNS_FACTOR scales every property's runs (a long local hunt: FUZZ_RUNS_FACTOR=50). */
const runs = (n: number): number => Math.ceil(n * Number(process.env.FUZZ_RUNS_FACTOR ?? 1))

type Made = { framer: Framer<unknown>; retained: () => number }
const FRAMERS: [string, () => Made, fc.Arbitrary<Uint8Array>][] = [
  ['sse', () => { const f = new SseFramer(); return { framer: f, retained: () => f.retained } },
    fc.array(fc.oneof(fc.constantFrom('data: ', 'event: x', '\n', '\r', '\r\n', ':c', 'id: 1', '{"a":"é"}', '[DONE]'), fc.string()), { maxLength: 60 })
      .map((parts) => new TextEncoder().encode(parts.join('')))],
  ['ndjson', () => { const f = createNdjsonFramer(); return { framer: f, retained: () => f.retained } },
    fc.array(fc.oneof(fc.json().map((j) => `${j}\n`), fc.constantFrom('{', '}', '[', ']', '"', '\\', '\n', ' ')), { maxLength: 40 })
      .map((parts) => new TextEncoder().encode(parts.join('')))],
  ['json-array', () => { const f = new JsonArrayFramer(); return { framer: f, retained: () => f.retained } },
    fc.array(fc.json(), { maxLength: 20 }).map((items) => new TextEncoder().encode(`[${items.join(',')}]`))],
]

/** `bytes` cut at the given (sorted, deduplicated) offsets. */
function cut(bytes: Uint8Array, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let from = 0
  for (const c of at) { out.push(Buffer.from(bytes.subarray(from, c))); from = c }
  out.push(Buffer.from(bytes.subarray(from)))
  return out
}

function run(make: () => Made, chunks: Buffer[]): { events: unknown[]; error: unknown; maxRetained: number } {
  const { framer, retained } = make()
  const events: unknown[] = []
  let maxRetained = 0
  try {
    for (const c of chunks) {
      framer.push(c, events)
      maxRetained = Math.max(maxRetained, retained())
    }
    framer.end(events)
    return { events, error: null, maxRetained }
  } catch (e) {
    return { events, error: e, maxRetained }
  }
}

describe('framers on random input', () => {
  for (const [name, make, structured] of FRAMERS) {
    it(`${name}: structured streams give the same events however they are cut`, () => {
      fc.assert(fc.property(structured, fc.array(fc.nat(), { maxLength: 30 }), (bytes, cuts) => {
        const whole = run(make, [Buffer.from(bytes)])
        const pieces = run(make, cut(bytes, cuts))
        expect(pieces.events).toEqual(whole.events)
        expect(pieces.error === null).toBe(whole.error === null)
        expect(pieces.maxRetained).toBeLessThanOrEqual(MAX_FRAME_BYTES)
      }), { numRuns: runs(300) })
    })

    it(`${name}: random bytes never throw anything but the framer's own error`, () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 30 }), (bytes, cuts) => {
        const r = run(make, cut(bytes, cuts))
        if (r.error !== null) {
          expect(r.error).toBeInstanceOf(Error)
          if (name !== 'json-array') expect(r.error).toBeInstanceOf(FrameTooLarge)
        }
        expect(r.maxRetained).toBeLessThanOrEqual(MAX_FRAME_BYTES)
      }), { numRuns: runs(300) })
    })
  }

  it('aws-event-stream: messages cut anywhere decode the same; random bytes give an Error, never a crash or a hang', () => {
    const message = fc.record({ type: fc.constantFrom('messageStart', 'contentBlockDelta', 'messageStop'), payload: fc.jsonValue({ maxDepth: 3 }) })
    fc.assert(fc.property(fc.array(message, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 30 }), (msgs, cuts) => {
      const bytes = Buffer.concat(msgs.map((m) => encodeAwsEvent(m.type, m.payload)))
      const r = run(() => ({ framer: createAwsEventStreamFramer(), retained: () => 0 }), cut(bytes, cuts))
      expect(r.error).toBeNull()
      expect((r.events as { type: string }[]).map((e) => e.type)).toEqual(msgs.map((m) => m.type))
    }), { numRuns: runs(200) })
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 30 }), (bytes, cuts) => {
      const r = run(() => ({ framer: createAwsEventStreamFramer(), retained: () => 0 }), cut(bytes, cuts))
      if (r.error !== null) expect(r.error).toBeInstanceOf(Error)
    }), { numRuns: runs(300) })
  })
})
