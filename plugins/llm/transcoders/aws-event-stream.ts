// AWS event-stream framing (application/vnd.amazon.eventstream), both ways, on bytes.
// https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream
// A message is: total length (u32 BE), headers length (u32 BE), prelude CRC32, headers, payload,
// message CRC32. The SDK's own codec decodes and checks one complete message; this framer's job
// is to cut complete messages out of chunks that may split a message (or even its prelude)
// anywhere. Bedrock's ConverseStream sends one event per message (`:event-type` messageStart,
// contentBlockDelta, ...; `:message-type` event or exception).
import { createRequire } from 'node:module'
import type { EventStreamCodec } from '@smithy/eventstream-codec'
import type { Framer } from '../types.ts'

/** One decoded event-stream message, reduced to what consumers read. */
export interface AwsEvent {
  /** `:message-type`: `event`, `exception` or `error` */
  messageType: string
  /** `:event-type` for events, `:exception-type` (or `:error-code`) otherwise */
  type: string
  /** the payload (JSON text for Bedrock) */
  body: Uint8Array
}

/**
 * decode()/encode() keep no state, so one codec serves every stream. The SDK's codec is loaded
 * with the first Bedrock stream, not at start (most gateways have no Bedrock route): a
 * synchronous require, once, so no await enters the stream path.
 */
let loaded: EventStreamCodec | null = null
function codec(): EventStreamCodec {
  if (loaded !== null) return loaded
  const require = createRequire(import.meta.url)
  const { EventStreamCodec: Codec } = require('@smithy/eventstream-codec') as typeof import('@smithy/eventstream-codec')
  const { fromUtf8, toUtf8 } = require('@smithy/util-utf8') as typeof import('@smithy/util-utf8')
  return (loaded = new Codec(toUtf8, fromUtf8))
}

const utf8 = new TextEncoder()

const MIN_MESSAGE = 16
// The spec caps a payload at 16 MiB and headers at 128 KiB; anything larger is a corrupt prelude.
const MAX_MESSAGE = 16 * 1024 * 1024 + 128 * 1024 + MIN_MESSAGE

function headerString(headers: Record<string, { type: string; value: unknown }>, name: string): string | undefined {
  const h = headers[name]
  return h !== undefined && h.type === 'string' ? (h.value as string) : undefined
}

function toEvent(message: Uint8Array): AwsEvent {
  const { headers, body } = codec().decode(message)
  const messageType = headerString(headers, ':message-type') ?? 'event'
  const type = messageType === 'event'
    ? headerString(headers, ':event-type') ?? ''
    : headerString(headers, ':exception-type') ?? headerString(headers, ':error-code') ?? messageType
  return { messageType, type, body }
}

/**
 * Splits an event-stream byte stream into events. Chunks are kept as they arrive and joined only
 * once a whole message is there, so a large message cut into many small chunks costs one copy.
 * Throws on a corrupt stream (impossible length, CRC mismatch): no later byte can be trusted.
 */
export function createAwsEventStreamFramer(): Framer<AwsEvent> {
  let parts: Buffer[] = []
  let buffered = 0
  // length of the message at the head of `parts`, once its prelude has arrived
  let need = 0

  const readLength = (): number => {
    const head = parts[0].length >= 4 ? parts[0] : Buffer.concat(parts, buffered)
    if (head !== parts[0]) parts = [head]
    const length = head.readUInt32BE(0)
    if (length < MIN_MESSAGE || length > MAX_MESSAGE) throw new Error(`invalid event-stream message length ${length}`)
    return length
  }

  return {
    push(chunk, out) {
      if (chunk.length === 0) return
      parts.push(chunk)
      buffered += chunk.length
      if (buffered < 4) return
      if (need === 0) need = readLength()
      if (buffered < need) return

      const data = parts.length === 1 ? parts[0] : Buffer.concat(parts, buffered)
      let at = 0
      while (data.length - at >= need) {
        out.push(toEvent(data.subarray(at, at + need)))
        at += need
        need = 0
        if (data.length - at < 4) break
        const length = data.readUInt32BE(at)
        if (length < MIN_MESSAGE || length > MAX_MESSAGE) throw new Error(`invalid event-stream message length ${length}`)
        need = length
      }
      // copy the tail so the carried bytes do not pin the whole upstream chunk
      parts = at === data.length ? [] : [Buffer.from(data.subarray(at))]
      buffered = data.length - at
    },
    end() {
      // an incomplete trailing message cannot be decoded; it is dropped, as Kong does
      parts = []
      buffered = 0
      need = 0
    },
  }
}

/** Bytes of one event message (`:message-type: event`) with a JSON payload. */
export function encodeAwsEvent(eventType: string, payload: unknown): Buffer {
  const bytes = codec().encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: utf8.encode(JSON.stringify(payload)),
  })
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** Bytes of one exception message, as AWS sends mid-stream failures (e.g. throttlingException). */
export function encodeAwsException(exceptionType: string, message: string): Buffer {
  const bytes = codec().encode({
    headers: {
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: utf8.encode(JSON.stringify({ message })),
  })
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
