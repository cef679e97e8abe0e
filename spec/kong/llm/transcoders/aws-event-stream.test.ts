import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createAwsEventStreamFramer, encodeAwsEvent, encodeAwsException, type AwsEvent } from '../../../../plugins/llm/transcoders/aws-event-stream.ts'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'

const FIXTURES = KONG_FIXTURES
const fixture = (p: string): Buffer => readFileSync(FIXTURES + p)

interface Decoded { messageType: string; type: string; body: unknown }
const decoded = (events: AwsEvent[]): Decoded[] =>
  events.map((e) => ({ messageType: e.messageType, type: e.type, body: JSON.parse(Buffer.from(e.body).toString('utf8')) }))

function frameAll(pieces: Buffer[]): Decoded[] {
  const framer = createAwsEventStreamFramer()
  const out: AwsEvent[] = []
  for (const p of pieces) framer.push(p, out)
  framer.end(out)
  return decoded(out)
}

/** Every way of cutting the stream in two, and one byte at a time, gives the same events. */
function expectCutInvariant(stream: Buffer, whole: Decoded[]): void {
  for (let at = 0; at <= stream.length; at++) {
    expect(frameAll([stream.subarray(0, at), stream.subarray(at)])).toEqual(whole)
  }
  const bytes: Buffer[] = []
  for (let i = 0; i < stream.length; i++) bytes.push(stream.subarray(i, i + 1))
  expect(frameAll(bytes)).toEqual(whole)
}

const sample = Buffer.concat([
  encodeAwsEvent('messageStart', { role: 'assistant' }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'héllo – 世界 🌍' } }),
  encodeAwsEvent('messageStop', { stopReason: 'end_turn' }),
  encodeAwsException('throttlingException', 'slow down'),
])


describe('AWS event-stream framer on Kong fixtures', () => {
  it('unit/streaming-chunk-formats/aws: the events Kong expects', () => {
    const input = fixture('unit/streaming-chunk-formats/aws/input.bin')
    const expected = (JSON.parse(fixture('unit/streaming-chunk-formats/aws/expected-output.json').toString()) as { data: string }[])
      .map((e) => JSON.parse(e.data) as { body: string; headers: Record<string, string> })
      .map((e) => ({ messageType: e.headers[':message-type'], type: e.headers[':event-type'], body: JSON.parse(e.body) }))
    const whole = frameAll([input])
    expect(whole).toEqual(expected)
    expectCutInvariant(input, whole)
  })

  it('bedrock/chunks: a ConverseStream tool call, split across three captured chunks', () => {
    const chunks = [1, 2, 3].map((n) => Buffer.from(fixture(`bedrock/chunks/chunk-${n}.txt`).toString(), 'base64'))
    const events = frameAll(chunks)
    expect(events.map((e) => e.type)).toEqual([
      'messageStart', 'contentBlockStart', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockDelta',
      'contentBlockDelta', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata',
    ])
    expect(events[1].body).toMatchObject({ start: { toolUse: { name: 'add', toolUseId: 'tooluse_UxbKWVKgTqe8cKjPPzopiQ' } } })
    expectCutInvariant(Buffer.concat(chunks), events)
  })
})
