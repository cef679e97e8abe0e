import { describe, expect, it } from 'vitest'
import { createAwsEventStreamFramer, encodeAwsEvent, encodeAwsException, type AwsEvent } from '../../../../plugins/llm/transcoders/aws-event-stream.ts'
import { expectCutInvariant, frameAll } from '../helpers/aws-event-frames.ts'

const sample = Buffer.concat([
  encodeAwsEvent('messageStart', { role: 'assistant' }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'héllo – 世界 🌍' } }),
  encodeAwsEvent('messageStop', { stopReason: 'end_turn' }),
  encodeAwsException('throttlingException', 'slow down'),
])

describe('AWS event-stream framer', () => {
  it('decodes whole messages with their event type and payload', () => {
    expect(frameAll([sample])).toEqual([
      { messageType: 'event', type: 'messageStart', body: { role: 'assistant' } },
      { messageType: 'event', type: 'contentBlockDelta', body: { contentBlockIndex: 0, delta: { text: 'héllo – 世界 🌍' } } },
      { messageType: 'event', type: 'messageStop', body: { stopReason: 'end_turn' } },
      { messageType: 'exception', type: 'throttlingException', body: { message: 'slow down' } },
    ])
  })

  it('gives the same events wherever the chunks are cut (prelude, headers, payload, CRC)', () => {
    expectCutInvariant(sample, frameAll([sample]))
  })

  it('carries an incomplete message until the rest arrives, and drops it at the end', () => {
    const framer = createAwsEventStreamFramer()
    const out: AwsEvent[] = []
    framer.push(sample.subarray(0, 10), out)
    expect(out).toHaveLength(0)
    const first = encodeAwsEvent('messageStart', { role: 'assistant' }).length
    framer.push(sample.subarray(10, first + 3), out)
    expect(out).toHaveLength(1)
    framer.end(out)
    expect(out).toHaveLength(1)
  })

  it('ignores empty chunks', () => {
    expect(frameAll([Buffer.alloc(0), sample, Buffer.alloc(0)])).toHaveLength(4)
  })

  it('refuses a message whose CRC does not match', () => {
    const bad = Buffer.from(sample)
    bad[30] ^= 0xff
    expect(() => createAwsEventStreamFramer().push(bad, [])).toThrow(/checksum/)
  })

  it('refuses an impossible message length instead of waiting forever', () => {
    const bad = Buffer.from([0, 0, 0, 3, 0, 0, 0, 0])
    expect(() => createAwsEventStreamFramer().push(bad, [])).toThrow(/invalid event-stream message length 3/)
    const huge = Buffer.from([0x7f, 0xff, 0xff, 0xff])
    expect(() => createAwsEventStreamFramer().push(huge, [])).toThrow(/invalid event-stream message length/)
  })
})

