// The SSE framer reads a line's field name on bytes and decodes only the value, in place in the
// upstream chunk. These tests hold it to a plain reading of the WHATWG event-stream rules
// (decode the whole stream, split lines, cut field and value on the first colon), on a table of
// lines and on random streams cut at random places.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { SseFramer, type SseEvent } from '../../../../plugins/llm/transcoders/sse.ts'

/** The reference: the spec's interpretation on the decoded text. */
function reference(bytes: Buffer): SseEvent[] {
  const out: SseEvent[] = []
  let event: string | null = null
  let data: string[] | null = null
  let id: string | null = null
  const dispatch = (): void => {
    if (data === null && event === null) return
    out.push({ event, data: data === null ? '' : data.join('\n'), id })
    event = null; data = null; id = null
  }
  const lines = bytes.toString('utf8').split(/\r\n|\r|\n/)
  lines.forEach((line, i) => {
    const last = i === lines.length - 1
    if (line === '') { if (!last) dispatch(); return }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') (data ??= []).push(value)
    else if (field === 'event') event = value
    else if (field === 'id') id = value
  })
  dispatch()
  return out
}

function frame(chunks: Buffer[]): SseEvent[] {
  const f = new SseFramer()
  const out: SseEvent[] = []
  for (const c of chunks) f.push(c, out)
  f.end(out)
  return out
}

/** The stream whole, then one byte per chunk (every line and character cut everywhere). */
function bothWays(text: string): [SseEvent[], SseEvent[]] {
  const b = Buffer.from(text)
  return [frame([b]), frame([...b].map((x) => Buffer.from([x])))]
}

const CASES: [string, string, SseEvent[]][] = [
  ['one data line', 'data: {"a":1}\n\n', [{ event: null, data: '{"a":1}', id: null }]],
  ['no space after the colon', 'data:x\n\n', [{ event: null, data: 'x', id: null }]],
  ['only one leading space is removed', 'data:  x\n\n', [{ event: null, data: ' x', id: null }]],
  ['a name alone is an empty value', 'data\n\n', [{ event: null, data: '', id: null }]],
  ['several data lines join with LF', 'data: a\ndata: b\ndata: c\n\n', [{ event: null, data: 'a\nb\nc', id: null }]],
  ['event and id', 'event: message_start\nid: 7\ndata: {}\n\n', [{ event: 'message_start', data: '{}', id: '7' }]],
  ['CRLF and CR line ends', 'data: a\r\n\r\ndata: b\r\rdata: c\n\n', [
    { event: null, data: 'a', id: null }, { event: null, data: 'b', id: null }, { event: null, data: 'c', id: null }]],
  ['a space before the colon makes another field', 'data : x\n\n', []],
  ['a longer name is another field', 'datax: y\nevents: z\nidx: 1\n\n', []],
  ['comments and unknown fields', ': keep-alive\nretry: 10\nfoo: bar\ndata: x\n\n', [{ event: null, data: 'x', id: null }]],
  ['multi-byte characters', 'data: {"t":"é😀中"}\n\nevent: ü\ndata: ß\n\n', [
    { event: null, data: '{"t":"é😀中"}', id: null }, { event: 'ü', data: 'ß', id: null }]],
  ['a colon inside the value', 'data: a: b: c\n\n', [{ event: null, data: 'a: b: c', id: null }]],
  ['a last event without its blank line', 'data: x', [{ event: null, data: 'x', id: null }]],
  ['an event without data', 'event: ping\n\n', [{ event: 'ping', data: '', id: null }]],
  ['[DONE]', 'data: [DONE]\n\n', [{ event: null, data: '[DONE]', id: null }]],
]

describe('SseFramer', () => {
  it.each(CASES)('%s', (_name, text, expected) => {
    const [whole, bytes] = bothWays(text)
    expect(whole).toEqual(expected)
    expect(bytes).toEqual(expected)
    expect(whole).toEqual(reference(Buffer.from(text)))
  })

  it('keeps no field of one event in the next (the per-event state is reset)', () => {
    const [whole] = bothWays('event: a\nid: 1\ndata: x\ndata: y\n\ndata: z\n\n')
    expect(whole).toEqual([{ event: 'a', data: 'x\ny', id: '1' }, { event: null, data: 'z', id: null }])
  })

  it('reads random streams cut anywhere as the reference reads them whole', () => {
    const piece = fc.oneof(
      fc.constantFrom('data: ', 'data:', 'data', 'event: ', 'id: ', 'retry: 1', ':', ' ', '\n', '\r', '\r\n', '[DONE]', 'é', '😀', 'datum: '),
      fc.string({ maxLength: 12 }),
    )
    fc.assert(fc.property(fc.array(piece, { maxLength: 50 }), fc.array(fc.nat(), { maxLength: 20 }), (parts, cuts) => {
      const bytes = Buffer.from(parts.join(''))
      const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
      const chunks: Buffer[] = []
      let from = 0
      for (const c of at) { chunks.push(Buffer.from(bytes.subarray(from, c))); from = c }
      chunks.push(Buffer.from(bytes.subarray(from)))
      expect(frame(chunks)).toEqual(reference(bytes))
    }), { numRuns: 300 })
  })
})
