// The most a framer keeps of one provider frame (an SSE line or event, an NDJSON value, a JSON
// array element) while waiting for its end. A provider's frames are a few KiB; an upstream that
// never ends one would otherwise grow a worker's memory without bound. 4 MiB leaves room for the
// largest legitimate frames (a base64 partial image in a Responses API event). AWS event-stream
// messages carry their own length and keep the protocol's limit (aws-event-stream.ts).
export const MAX_FRAME_BYTES = 4 * 1024 * 1024

/** Thrown by a framer whose current frame passed MAX_FRAME_BYTES; the stream cannot go on. */
export class FrameTooLarge extends Error {
  constructor(what: string, limit = MAX_FRAME_BYTES) {
    super(`upstream ${what} exceeds ${limit} bytes`)
  }
}
