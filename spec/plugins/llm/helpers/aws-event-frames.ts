// AWS event-stream bytes through the framer, as decoded events: for the framer's own suite
// (spec/plugins/llm/transcoders) and the Kong-fixture suite (spec/kong/llm/transcoders).
import { expect } from 'vitest'
import { createAwsEventStreamFramer, type AwsEvent } from '../../../../plugins/llm/transcoders/aws-event-stream.ts'

export interface Decoded { messageType: string; type: string; body: unknown }
const decoded = (events: AwsEvent[]): Decoded[] =>
  events.map((e) => ({ messageType: e.messageType, type: e.type, body: JSON.parse(Buffer.from(e.body).toString('utf8')) }))

export function frameAll(pieces: Buffer[]): Decoded[] {
  const framer = createAwsEventStreamFramer()
  const out: AwsEvent[] = []
  for (const p of pieces) framer.push(p, out)
  framer.end(out)
  return decoded(out)
}

/** Every way of cutting the stream in two, and one byte at a time, gives the same events. */
export function expectCutInvariant(stream: Buffer, whole: Decoded[]): void {
  for (let at = 0; at <= stream.length; at++) {
    expect(frameAll([stream.subarray(0, at), stream.subarray(at)])).toEqual(whole)
  }
  const bytes: Buffer[] = []
  for (let i = 0; i < stream.length; i++) bytes.push(stream.subarray(i, i + 1))
  expect(frameAll(bytes)).toEqual(whole)
}
