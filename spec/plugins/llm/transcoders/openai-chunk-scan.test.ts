// A verbatim OpenAI stream is read on its bytes (openai-chunk-scan.ts) instead of JSON.parse per
// event. The parse-based reading is the reference: the same transcoder fed through a sink that is
// not verbatim parses every event. On generated streams (random chunks, escapes, multi-line
// events, random cuts) and on hostile tables, both must report the same usage, model, finish
// reason, text and end, and the client must get exactly the upstream's bytes.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { OpenAiPassthroughTranscoder } from '../../../../plugins/llm/transcoders/openai-passthrough.ts'
import { FrameTooLarge, MAX_FRAME_BYTES } from '../../../../plugins/llm/transcoders/frame-limit.ts'
import type { ChunkSink } from '../../../../plugins/llm/types.ts'

interface Read {
  usage: unknown
  model: string | null
  finish: unknown
  text: string
  dones: number
  forwarded: string
}

function read(chunks: readonly Buffer[], verbatim: boolean): Read {
  const t = new OpenAiPassthroughTranscoder()
  const out: Buffer[] = []
  let dones = 0
  const sink: ChunkSink = {
    verbatim,
    chunk() { if (verbatim) throw new Error('a verbatim stream makes no chunk objects') },
    forward(b) { out.push(b) },
    done() { dones++ },
  }
  for (const c of chunks) t.push(c, sink)
  t.end(sink)
  return { usage: { ...t.usage }, model: t.responseModel, finish: t.finishReason, text: t.text, dones, forwarded: Buffer.concat(out).toString('latin1') }
}

/** The scan against the parse, and the client's bytes unchanged. */
function same(chunks: readonly Buffer[]): Read {
  const scanned = read(chunks, true)
  const parsed = read(chunks, false)
  expect({ ...scanned, forwarded: '' }).toEqual({ ...parsed, forwarded: '' })
  expect(scanned.forwarded).toBe(Buffer.concat(chunks).toString('latin1'))
  return scanned
}

const sse = (...datas: string[]): Buffer => Buffer.from(datas.map((d) => `data: ${d.split('\n').join('\ndata: ')}\n\n`).join(''))

const USAGE = '{"id":"c","object":"chat.completion.chunk","model":"gpt-4o","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":5,"total_tokens":14}}'
const delta = (content: string, extra = ''): string =>
  `{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"logprobs":null,"finish_reason":null}],"usage":null${extra}}`

describe('OpenAI chunk scan: the usual stream', () => {
  it('reads model, text, finish reason and usage, and parses only the usage event', () => {
    const events = [delta('Hel'), delta('lo'), '{"id":"c","model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}', USAGE, '[DONE]']
    const parse = JSON.parse
    let parses = 0
    JSON.parse = ((...a: Parameters<typeof JSON.parse>) => { parses++; return parse(...a) }) as typeof JSON.parse
    let r: Read
    try { r = read([sse(...events)], true) } finally { JSON.parse = parse }
    expect(parses).toBe(1)
    expect(r).toMatchObject({ model: 'gpt-4o', text: 'Hello', finish: 'stop', usage: { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 }, dones: 0 })
    same([sse(...events)])
  })

  it('gives [DONE] itself to a stream that stopped without one', () => {
    expect(same([sse(delta('a'))]).dones).toBe(1)
  })

  it('reads the same at every cut of the stream in two chunks', () => {
    const whole = sse(delta('héllo "quoted" \\ back'), USAGE, '[DONE]')
    for (let at = 0; at <= whole.length; at++) same([whole.subarray(0, at), whole.subarray(at)])
  })

  it('reads the same with the stream cut in single bytes', () => {
    const whole = sse(delta('日本語 ✓'), USAGE, '[DONE]')
    same([...whole].map((b) => Buffer.from([b])))
  })
})

// hostile or odd events: each compared with JSON.parse's reading
const HOSTILE: [string, string[]][] = [
  ['usage key inside a content string', [delta('"usage":{"prompt_tokens":999,"completion_tokens":999}'), '[DONE]']],
  ['usage key inside the model string', ['{"model":"x\\"usage\\":{\\"prompt_tokens\\":7}","choices":[]}']],
  ['escaped quotes and backslashes before a quote', [delta('a\\"b\\\\'), delta('\\\\\\"'), delta('\\')]],
  ['an escaped key that spells usage', ['{"choices":[],"us\\u0061ge":{"prompt_tokens":3,"completion_tokens":4}}']],
  ['an escaped key that spells model', ['{"mod\\u0065l":"m2","choices":[]}']],
  ['an escaped key that spells content', ['{"choices":[{"delta":{"cont\\u0065nt":"hidden"}}]}']],
  ['usage nested deeper than the top level', ['{"choices":[{"delta":{"content":"x","usage":{"prompt_tokens":5}}}],"x":{"usage":{"completion_tokens":2}}}']],
  ['usage that is not an object', ['{"usage":5}', '{"usage":"x"}', '{"usage":true}', '{"usage":[]}']],
  ['duplicate keys: the last wins', ['{"model":"a","model":"b","choices":[{"delta":{"content":"1"}}],"choices":[{"delta":{}}]}', '{"choices":[{"finish_reason":"stop","finish_reason":null}]}']],
  ['duplicate usage keys', ['{"usage":{"prompt_tokens":3},"usage":null}', '{"usage":null,"usage":{"completion_tokens":8}}']],
  ['a model that is not a string', ['{"model":"first"}', '{"model":5}', '{"model":null}', '{"model":{"x":"y"}}']],
  ['finish reasons of other types', ['{"choices":[{"finish_reason":""}]}', '{"choices":[{"finish_reason":0}]}', '{"choices":[{"finish_reason":false}]}', '{"choices":[{"finish_reason":1}]}', '{"choices":[{"finish_reason":{"a":1}}]}']],
  ['content and text of other shapes', ['{"choices":[{"delta":{"content":null},"text":"t1"}]}', '{"choices":[{"delta":null,"text":"t2"}]}', '{"choices":[{"delta":"s","text":"t3"}]}', '{"choices":[{"delta":{"content":5},"text":"t4"}]}', '{"choices":[{"delta":[],"text":"t5"}]}', '{"choices":[{"text":{"a":"b"}}]}']],
  ['choices of other shapes', ['{"choices":null}', '{"choices":"abc"}', '{"choices":{"0":{"delta":{"content":"obj"}}}}', '{"choices":[null,{"delta":{"content":"second"}}]}', '{"choices":[[1],{"delta":{"content":"x"}}]}', '{"choices":[1]}']],
  ['only the first choice counts', ['{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"},"finish_reason":"length"}]}']],
  ['a Responses API stream', ['{"type":"response.output_text.delta","delta":"Hi"}', '{"type":"response.completed","response":{"model":"gpt-5","usage":{"input_tokens":3,"output_tokens":2,"total_tokens":5}}}']],
  ['top-level values that are not objects', ['[1,2]', '"str"', '5', 'null', 'true', '[{"model":"inarray"}]']],
  ['bad escapes and raw control characters in strings the scan skips', ['{"id":"a\tb","model":"t1"}', '{"id":"bad\\q","model":"t2"}', '{"id":"\\u12G4","model":"t3"}', '{"id":"\\u12","model":"t4"}', '{"id":"end\\', '{"x":"\u0001","model":"t5"}']],
  ['malformed events', ['{"model":"a"', '{"model":"b"}}', '{"model":"c"} x', '{"model":"d",}', '{"model" "e"}', '{"model":"f" "x":1}', '{"model":nul}', '{"model":01}', '{"model":"g","n":1.}', '{"model":"h","n":-}', '{,"model":"i"}', '{"model":"j":1}', '[1,]', '{"model":"k\tl"}', '{"model":"m","choices":[{"delta":{"content":"bad\\x"}}]}', '']],
  ['[DONE] that is not alone', ['[DONE]\n{"model":"after"}', '[DONE] ', ' [DONE]']],
  ['an event spread over several data lines', ['{\n"model": "multi",\n"choices": [{"delta": {"content": "ok"}}],\n"usage": {"prompt_tokens": 1, "completion_tokens": 2}\n}']],
  ['a string that runs past its data line', ['{"model":"a\nb"}']],
  ['deep nesting', [`{"model":"deep","x":${'['.repeat(40)}${']'.repeat(40)},"choices":[{"delta":{"content":"d"}}]}`]],
  ['invalid UTF-8 in content and model', []],
  ['numbers of every form', ['{"a":-0,"b":1e5,"c":-1.5E-3,"d":0.0,"model":"nums","choices":[{"index":0,"delta":{"content":"n"}}]}']],
]

describe('OpenAI chunk scan: hostile events read as JSON.parse reads them', () => {
  it.each(HOSTILE.filter(([, e]) => e.length > 0))('%s', (_name, events) => {
    // each event on its own (a later event's model or finish reason would hide a difference), then all
    for (const event of events) same([sse(event)])
    same([sse(...events)])
    // and cut at every byte
    const whole = sse(...events)
    for (let at = 1; at < whole.length; at += Math.max(1, Math.floor(whole.length / 40))) same([whole.subarray(0, at), whole.subarray(at)])
  })

  it('invalid UTF-8 in content and model', () => {
    const bad = Buffer.concat([Buffer.from('data: {"model":"m\xff","choices":[{"delta":{"content":"a', 'latin1'), Buffer.from([0xe6, 0x97]), Buffer.from('"}}]}\n\n')])
    same([bad])
  })

  it('an event past the frame cap fails the stream (FrameTooLarge), as the parse path does', () => {
    const t = new OpenAiPassthroughTranscoder()
    const sink: ChunkSink = { verbatim: true, chunk() {}, forward() {}, done() {} }
    const piece = Buffer.from(`data: {"choices":[{"delta":{"content":"${'x'.repeat(1024 * 1024)}`)
    expect(() => { for (let i = 0; i < 8; i++) t.push(piece, sink) }).toThrow(FrameTooLarge)
    // an event over the cap in many short data lines is refused the same way
    const t2 = new OpenAiPassthroughTranscoder()
    const line = Buffer.from(`data: ${' '.repeat(64 * 1024)}\n`)
    expect(() => { for (let i = 0; i <= MAX_FRAME_BYTES / line.length + 1; i++) t2.push(line, sink) }).toThrow(FrameTooLarge)
  })
})

// generated chunks: any JSON the fields may hold, written as OpenAI does or with escapes, indentation, CRLF
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('"usage":{"prompt_tokens":1}', '\\', '"', '\\"', 'data: [DONE]\n\n', '\r\n', '\u2028', ''),
)
const scalar = fc.oneof(text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null))
const usage = fc.record({ prompt_tokens: fc.nat(), completion_tokens: fc.nat(), total_tokens: fc.nat() }, { requiredKeys: [] })
const choice = fc.record({
  index: fc.nat(3),
  delta: fc.oneof(fc.record({ role: fc.constant('assistant'), content: fc.oneof(text, fc.constant(null), fc.integer()), usage: fc.option(usage) }, { requiredKeys: [] }), scalar),
  text: fc.oneof(text, fc.constant(null)),
  finish_reason: fc.oneof(fc.constantFrom('stop', 'length', 'tool_calls', '', null), text, fc.integer(), fc.boolean()),
  logprobs: fc.constant(null),
}, { requiredKeys: [] })
const chunk = fc.record({
  id: text,
  object: fc.constant('chat.completion.chunk'),
  created: fc.nat(),
  model: fc.oneof(fc.constantFrom('gpt-4o', 'gpt-4o-mini'), text, scalar),
  system_fingerprint: fc.oneof(text, fc.constant(null)),
  choices: fc.oneof({ weight: 5, arbitrary: fc.array(fc.oneof({ weight: 5, arbitrary: choice }, scalar), { maxLength: 3 }) }, scalar),
  usage: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, usage, scalar),
  extra: fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }),
}, { requiredKeys: [] })

/** JSON text of a chunk in one of the ways a server may write it. */
function write(c: unknown, style: number): string {
  const json = JSON.stringify(c, null, style === 1 ? 2 : undefined)
  // ensure_ascii servers write every non-ASCII character as \\u escapes
  if (style === 2) return json.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
  if (style === 3) return json.replace(/"(model|usage|choices|content)":/g, (_m, k: string) => `"\\u00${k.charCodeAt(0).toString(16)}${k.slice(1)}":`)
  return json
}

/** One edit of a JSON text: a character deleted, or one of JSON's own characters inserted or swapped in. */
const edit = fc.tuple(fc.nat(), fc.constantFrom('del', 'ins', 'set'), fc.constantFrom(...'{}[]:,"\\ \t0-.e+unltrfasx'.split('')))
function mutate(json: string, [at, how, ch]: [number, string, string]): string {
  const i = at % (json.length + 1)
  if (how === 'del') return json.slice(0, i) + json.slice(i + 1)
  if (how === 'ins') return json.slice(0, i) + ch + json.slice(i)
  return json.slice(0, i) + ch + json.slice(i + 1)
}

describe('OpenAI chunk scan: generated streams (fast-check)', () => {
  it('reads what JSON.parse reads of a chunk with one to three edits (mostly malformed)', () => {
    fc.assert(
      fc.property(chunk, fc.array(edit, { minLength: 1, maxLength: 3 }), (c, edits) => {
        let json = JSON.stringify(c)
        for (const e of edits) json = mutate(json, e)
        same([sse(json, USAGE, json)])
      }),
      { numRuns: 1500 },
    )
  })

  it('reads what JSON.parse reads, wherever the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(chunk, fc.nat(3)), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.array(fc.nat(), { maxLength: 5 }),
        (events, done, eol, cuts) => {
          let s = ''
          for (const [c, style] of events) s += `data: ${write(c, style).split('\n').join(`${eol}data: `)}${eol}${eol}`
          if (done) s += `data: [DONE]${eol}${eol}`
          const whole = Buffer.from(s)
          const at = [...new Set(cuts.map((n) => n % (whole.length + 1)))].sort((a, b) => a - b)
          const chunks: Buffer[] = []
          let from = 0
          for (const x of at) { chunks.push(whole.subarray(from, x)); from = x }
          chunks.push(whole.subarray(from))
          same(chunks)
        },
      ),
      { numRuns: 600 },
    )
  })
})

// The checkpoint: an event that starts with the bytes the previous checkpoint kept (everything before
// the top-level `choices`) resumes from the state they left. Each stream is compared with JSON.parse.
const HEAD = '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","system_fingerprint":"fp"'
const CHECKPOINT: [string, string[]][] = [
  ['the usual stream: one head, then deltas, finish and usage', [`${HEAD},"choices":[{"delta":{"content":"a"}}]}`, `${HEAD},"choices":[{"delta":{"content":"b"},"finish_reason":"stop"}]}`, `${HEAD},"choices":[],"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}}`]],
  ['the model differs in its last byte', [`${HEAD},"choices":[{"delta":{"content":"a"}}]}`, `${HEAD.replace('gpt-4o', 'gpt-4p')},"choices":[{"delta":{"content":"b"}}]}`]],
  ['the head differs in its first byte', [`${HEAD},"choices":[{"delta":{"content":"a"}}]}`, ` ${HEAD.slice(1)},"choices":[{"delta":{"content":"b"}}]}`]],
  ['an event that is only the head, or shorter', [`${HEAD},"choices":[{"delta":{"content":"a"}}]}`, HEAD, HEAD.slice(0, 40), `${HEAD},"choices":[{"delta":{"content":"c"}}]}`]],
  ['the head followed by garbage or a different grammar', [`${HEAD},"choices":[{"delta":{"content":"a"}}]}`, `${HEAD},"choices":[{"delta":{"content":"b"}}]}}`, `${HEAD},"choices"`, `${HEAD}}`, `${HEAD},"choices":null}`, `${HEAD},"choices":[{"delta":{"content":"d"}}]}`]],
  ['a malformed event leaves a checkpoint that a good event uses', [`${HEAD},"choices":[{"delta":{"content":"a"}}]`, `${HEAD},"choices":[{"delta":{"content":"b"}}]}`]],
  ['the head without a model, then with one', [`{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"delta":{"content":"a"}}]}`, `{"id":"chatcmpl-1","object":"chat.completion.chunk","model":"m2","choices":[{"delta":{"content":"b"}}]}`, `{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"delta":{"content":"c"}}]}`]],
  ['a head with a duplicate choices before the checkpointed one', [`{"id":"chatcmpl-1","object":"x","choices":[{"delta":{"content":"a"},"finish_reason":"stop"}],"model":"m","choices":[{"delta":{"content":"b"}}]}`, `{"id":"chatcmpl-1","object":"x","choices":[{"delta":{"content":"c"}}]}`]],
  ['usage before choices, then the same head', [`{"id":"chatcmpl-1","object":"x","usage":null,"choices":[{"delta":{"content":"a"}}]}`, `{"id":"chatcmpl-1","object":"x","usage":null,"choices":[{"delta":{"content":"b"}}]}`]],
  ['an escaped choices key is not a checkpoint', [`${HEAD},"ch\\u006fices":[{"delta":{"content":"a"}}]}`, `${HEAD},"ch\\u006fices":[{"delta":{"content":"b"}}]}`, `${HEAD},"choices":[{"delta":{"content":"c"}}]}`]],
  ['choices nested in the head is not a checkpoint', [`{"id":"chatcmpl-1","x":{"choices":[{"delta":{"content":"no"}}]},"choices":[{"delta":{"content":"a"}}]}`, `{"id":"chatcmpl-1","x":{"choices":[{"delta":{"content":"no"}}]},"choices":[{"delta":{"content":"b"}}]}`]],
  ['the head in a multi-line event, then alone', [`${HEAD},\n"choices":[{"delta":{"content":"a"}}]}`, `${HEAD},"choices":[{"delta":{"content":"b"}}]}`, `${HEAD.slice(0, 30)}\n${HEAD.slice(30)},"choices":[{"delta":{"content":"c"}}]}`]],
  ['[DONE] between events with the head', [`${HEAD},"choices":[{"delta":{"content":"a"}}]}`, '[DONE]', `${HEAD},"choices":[{"delta":{"content":"b"}}]}`]],
  ['a Responses API event with the head bytes', [`${HEAD},"choices":[{"delta":{"content":"a"}}]}`, `${HEAD},"choices":[],"type":"response.completed","response":{"model":"r","usage":{"input_tokens":1,"output_tokens":1,"total_tokens":2}}}`]],
  ['deltas resumed at their content value: strings, escapes, other types, more keys after it', [`${HEAD},"choices":[{"index":0,"delta":{"content":"a"}}]}`, `${HEAD},"choices":[{"index":0,"delta":{"content":"b\\"q\\u00e9"},"logprobs":null,"finish_reason":null}],"usage":null}`, `${HEAD},"choices":[{"index":0,"delta":{"content":null},"text":"t"}]}`, `${HEAD},"choices":[{"index":0,"delta":{"content":5}}]}`, `${HEAD},"choices":[{"index":0,"delta":{"content":{"x":"y"}}}]}`, `${HEAD},"choices":[{"index":0,"delta":{"content":["z"]}}]}`, `${HEAD},"choices":[{"index":0,"delta":{"content":"c","content":"d"},"finish_reason":"stop"}]}`, `${HEAD},"choices":[{"index":0,"delta":{"content":"e"}},{"delta":{"content":"second"}}],"choices":[]}`]],
  ['a content value prefix followed by garbage', [`${HEAD},"choices":[{"index":0,"delta":{"content":"a"}}]}`, `${HEAD},"choices":[{"index":0,"delta":{"content":"b`, `${HEAD},"choices":[{"index":0,"delta":{"content":`, `${HEAD},"choices":[{"index":0,"delta":{"content":"c"}]}`, `${HEAD},"choices":[{"index":0,"delta":{"content":"d"}}]}`]],
  ['the role event, the deltas, the finish and the usage (the checkpoint moves between them)', [`${HEAD},"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`, `${HEAD},"choices":[{"index":0,"delta":{"content":"Hel"},"logprobs":null,"finish_reason":null}],"usage":null}`, `${HEAD},"choices":[{"index":0,"delta":{"content":"lo"},"logprobs":null,"finish_reason":null}],"usage":null}`, `${HEAD},"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}`, `${HEAD},"choices":[],"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}}`, `${HEAD},"choices":[{"index":0,"delta":{"content":"late"},"logprobs":null,"finish_reason":null}],"usage":null}`]],
  ['content of the first choice only: a second choice with the same bytes before its content', [`${HEAD},"choices":[{"index":0,"delta":{"content":"a"}}]}`, `${HEAD},"choices":[{"index":0,"delta":{"x":1}},{"index":0,"delta":{"content":"b"}}]}`]],
  ['a head longer than the checkpoint keeps', [`{"id":"${'x'.repeat(2000)}","model":"long","choices":[{"delta":{"content":"a"}}]}`, `{"id":"${'x'.repeat(2000)}","model":"long","choices":[{"delta":{"content":"b"}}]}`]],
]

describe('OpenAI chunk scan: events resumed from the checkpoint read as JSON.parse reads them', () => {
  it.each(CHECKPOINT)('%s', (_name, events) => {
    same([sse(...events)])
    // one chunk per event, and cut at every few bytes
    same(events.map((e) => sse(e)))
    const whole = sse(...events)
    for (let at = 1; at < whole.length; at += Math.max(1, Math.floor(whole.length / 60))) same([whole.subarray(0, at), whole.subarray(at)])
  })

  it('reads what JSON.parse reads of deltas that share everything up to their content value, and differ in it and after it (fast-check)', () => {
    const value = fc.oneof(text, fc.constant(null), fc.integer(), fc.boolean(), fc.constant({}), fc.constant(['x']))
    fc.assert(
      fc.property(chunk, fc.array(fc.tuple(value, chunk, fc.array(edit, { maxLength: 1 })), { minLength: 1, maxLength: 6 }), (first, rest) => {
        const head = `${JSON.stringify({ id: first.id, model: first.model }).slice(0, -1)},"choices":[{"index":0,"delta":{"content":`
        const events = rest.map(([v, c, edits]) => {
          let json = `${head}${JSON.stringify(v)}},"finish_reason":${JSON.stringify((c.choices as { finish_reason?: unknown }[] | undefined)?.[0]?.finish_reason ?? null)}}],"usage":${JSON.stringify(c.usage ?? null)}}`
          for (const e of edits) json = mutate(json, e)
          return json
        })
        same([sse(...events)])
        same(events.map((e) => sse(e)))
      }),
      { numRuns: 800 },
    )
  })

  it('reads what JSON.parse reads of events that share a head and differ after it, or by edits anywhere (fast-check)', () => {
    fc.assert(
      fc.property(chunk, fc.array(fc.tuple(chunk, fc.array(edit, { maxLength: 2 })), { minLength: 1, maxLength: 6 }), (first, rest) => {
        const head = JSON.stringify({ id: first.id, object: first.object, created: first.created, model: first.model })
        const events = rest.map(([c, edits]) => {
          // the first event's head, the tail of another chunk, then maybe an edit anywhere (head included)
          let json = `${head.slice(0, -1)},${JSON.stringify({ choices: c.choices ?? [], usage: c.usage ?? null }).slice(1)}`
          for (const e of edits) json = mutate(json, e)
          return json
        })
        same([sse(...events)])
      }),
      { numRuns: 800 },
    )
  })
})
