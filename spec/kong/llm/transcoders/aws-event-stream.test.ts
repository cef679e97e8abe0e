import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { KONG_FIXTURES } from '../../kong-fixtures.ts'
import { expectCutInvariant, frameAll } from '../../../plugins/llm/helpers/aws-event-frames.ts'

const FIXTURES = KONG_FIXTURES
const fixture = (p: string): Buffer => readFileSync(FIXTURES + p)

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
