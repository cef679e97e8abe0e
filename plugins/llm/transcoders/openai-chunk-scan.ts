// Reads an OpenAI SSE chunk on its bytes, for a stream forwarded verbatim (the client reads OpenAI
// SSE too): statistics need only the model, choices[0]'s text and finish_reason, and the usage,
// and JSON.parse of every delta event (and the garbage of its objects) was most of the cost of
// such a stream. The scan walks the event once in JS (a native indexOf call costs more than the
// short strings it skips) and decodes only the strings it keeps (the model once per stream, each
// text piece). Anything it does not read in place goes to JSON.parse through `ChunkStats.readEvent`, so the result is
// the parse's: a usage that is not null (once per stream), a Responses API event (`type`), an
// escaped key, a finish_reason that is not a string, a non-array `choices`, very deep nesting.
// The scan follows JSON's grammar (brackets, colons, commas, literals, numbers, escapes, raw
// control characters, text after the value), so a malformed event is skipped as JSON.parse skips
// it. Statistics only: the client's bytes are never touched.
// The events of one stream start with the same bytes up to `choices` (id, object, created, model,
// system_fingerprint: some 170 of an event's 230 bytes), and the deltas on to their content's
// value. The scan keeps those bytes and its state after them (a checkpoint, at the content value
// or else at the `choices` key): an event that starts with the same bytes resumes from that state
// after one native compare, exactly where scanning them again would have left it.
import type { SseDataReader } from './sse.ts'

/** What the scan reports into (the passthrough transcoder). */
export interface ChunkStats {
  responseModel: string | null
  finishReason: string | null
  /** a non-empty text piece of choices[0] (delta.content, else text) */
  piece(text: string): void
  /** `data: [DONE]` */
  ended(): void
  /** an event the scan leaves to JSON.parse: its data lines joined with "\n" */
  readEvent(data: string): void
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
/** deeper nesting goes to JSON.parse (the container kinds fit one 31-bit mask) */
const MAX_DEPTH = 30

// top-level keys, choices[0] keys, delta keys
const K_OTHER = 0, K_MODEL = 1, K_USAGE = 2, K_CHOICES = 3, K_TYPE = 4, K_DELTA = 5, K_TEXT = 6, K_FINISH = 7, K_CONTENT = 8
// choices[0]'s content and text: absent or null (so `content ?? text` goes on), a string, anything else
const ABSENT = 0, STRING = 1, NOT_TEXT = 2

const B_MODEL = Buffer.from('model')
const B_USAGE = Buffer.from('usage')
const B_CHOICES = Buffer.from('choices')
const B_TYPE = Buffer.from('type')
const B_DELTA = Buffer.from('delta')
const B_TEXT = Buffer.from('text')
const B_FINISH = Buffer.from('finish_reason')
const B_CONTENT = Buffer.from('content')
const B_DONE = Buffer.from('[DONE]')

function equalAt(buf: Buffer, a: number, b: number, name: Buffer): boolean {
  if (b - a !== name.length) return false
  for (let i = 0; i < name.length; i++) if (buf[a + i] !== name[i]) return false
  return true
}

// what the grammar allows next
const W_VALUE = 0, W_KEY = 1, W_COLON = 2, W_NEXT = 3

/** Shortest and longest prefix worth a checkpoint (Azure puts `choices` first: nothing to skip). */
const MIN_PREFIX = 16
const MAX_PREFIX = 1024

/** A thrown-free signal that the event goes to JSON.parse. */
const BAIL = -2
/** The event is not JSON: skipped. */
const BAD = -1

export class OpenAiChunkScan implements SseDataReader {
  // the event in progress
  private lines = 0
  /** its first data line, still in the buffer it came in (decoded only if the event goes to JSON.parse) */
  private b0: Buffer | null = null
  private s0 = 0
  private e0 = 0
  /** the decoded lines of an event of several data lines */
  private more: string[] | null = null
  private done = false
  private bail = false
  private bad = false
  /** 0 nothing yet, 1 the top-level object is open, 2 it closed, 3 the value is not an object */
  private top = 0
  private depth = 0
  /** bit d set: the container at depth d is an array */
  private arrays = 0
  /** the containers the scan reads are open at depths 1..inner: top, choices, choices[0], delta */
  private inner = 0
  private want = W_VALUE
  /** a container just opened: it may close at once */
  private empty = false
  private k1 = K_OTHER
  private k3 = K_OTHER
  private k4 = K_OTHER
  private elem = 0
  // what the event says, committed when it ends well-formed
  private model: string | null = null
  private choice0 = false
  private contentKind = ABSENT
  private content = ''
  private textKind = ABSENT
  private text = ''
  private finish: string | null = null
  // the model seen last, as raw bytes: the same model in the next event costs no string
  private lastModel: string | null = null
  private lastModelBytes: Buffer | null = null

  // the checkpoint: an event's bytes before its top-level `choices` key, and the state they left
  private prefix: Buffer | null = null
  private prefixLen = 0
  /** the length of a checkpoint taken on the line being scanned, its bytes not kept yet */
  private pendingLen = 0
  /** a checkpoint may be taken in the event in progress (its first line, none taken or used yet) */
  private mayCheckpoint = false
  private cTop = 0
  private cDepth = 0
  private cArrays = 0
  private cInner = 0
  private cWant = W_VALUE
  private cEmpty = false
  private cK1 = K_OTHER
  private cK3 = K_OTHER
  private cK4 = K_OTHER
  private cElem = 0
  private cModel: string | null = null
  private cChoice0 = false
  private cContentKind = ABSENT
  private cContent = ''
  private cTextKind = ABSENT
  private cText = ''
  private cFinish: string | null = null

  constructor(private readonly stats: ChunkStats) {}

  data(buf: Buffer, s: number, e: number): void {
    this.lines++
    if (this.lines === 1) {
      this.b0 = buf
      this.s0 = s
      this.e0 = e
      if (equalAt(buf, s, e, B_DONE)) { this.done = true; return }
    } else {
      if (this.more === null) {
        this.more = [this.b0!.toString('utf8', this.s0, this.e0)]
        // "[DONE]\n..." is neither the end nor JSON
        if (this.done) { this.done = false; this.bad = true }
      }
      this.more.push(buf.toString('utf8', s, e))
    }
    if (this.bail || this.bad || this.done) return
    let from = s
    this.mayCheckpoint = false
    if (this.lines === 1) {
      const n = this.prefixLen
      if (n > 0 && e - s > n && buf.compare(this.prefix!, 0, n, s, s + n) === 0) {
        this.resume()
        from = s + n
      } else this.mayCheckpoint = true
    }
    const r = this.scan(buf, from, e)
    if (this.pendingLen > 0) this.keepPrefix(buf, s)
    if (r === BAIL) this.bail = true
    else if (r === BAD) this.bad = true
  }

  dispatch(): void {
    const st = this.stats
    if (this.bail) st.readEvent(this.more !== null ? this.more.join('\n') : this.b0!.toString('utf8', this.s0, this.e0))
    else if (this.done) st.ended()
    else if (!this.bad && this.top === 2 && this.depth === 0) {
      if (this.model !== null) st.responseModel = this.model
      if (this.choice0) {
        const piece = this.contentKind === STRING ? this.content : this.contentKind === ABSENT && this.textKind === STRING ? this.text : ''
        if (piece !== '') st.piece(piece)
        if (this.finish !== null) st.finishReason = this.finish
      }
    }
    this.lines = 0
    this.b0 = null
    this.more = null
    this.done = this.bail = this.bad = false
    this.top = this.depth = this.arrays = this.inner = 0
    this.want = W_VALUE
    this.empty = false
    this.k1 = this.k3 = this.k4 = K_OTHER
    this.model = null
    this.resetChoice()
  }

  /**
   * Before the top-level key `choices` of an event's first line, or before its choices[0].delta
   * content value: keeps bytes [s, at) and the state they left (a later point replaces an earlier
   * one). The state after given bytes depends on those bytes alone (an event starts from the reset
   * state), so it is the same for any event that starts with them.
   */
  private checkpoint(s: number, at: number): void {
    const n = at - s
    if (n < MIN_PREFIX || n > MAX_PREFIX) return
    // the bytes are copied once the line is scanned (keepPrefix): a later point may replace this one
    this.prefixLen = 0
    this.pendingLen = n
    this.cTop = this.top
    this.cDepth = this.depth
    this.cArrays = this.arrays
    this.cInner = this.inner
    this.cWant = this.want
    this.cEmpty = this.empty
    this.cK1 = this.k1
    this.cK3 = this.k3
    this.cK4 = this.k4
    this.cElem = this.elem
    this.cModel = this.model
    this.cChoice0 = this.choice0
    this.cContentKind = this.contentKind
    this.cContent = this.content
    this.cTextKind = this.textKind
    this.cText = this.text
    this.cFinish = this.finish
  }

  /** The bytes of the checkpoint taken on this line, [s, s + pendingLen) of buf. */
  private keepPrefix(buf: Buffer, s: number): void {
    const n = this.pendingLen
    this.pendingLen = 0
    if (this.prefix === null || this.prefix.length < n) this.prefix = Buffer.allocUnsafeSlow(n + 64) // room for a longer head later
    // a loop: Buffer#copy makes a view per call, and this runs only when an event did not resume
    const p = this.prefix
    for (let k = 0; k < n; k++) p[k] = buf[s + k]!
    this.prefixLen = n
  }

  /** The state the checkpoint's bytes left (the event's state was the reset one). */
  private resume(): void {
    this.top = this.cTop
    this.depth = this.cDepth
    this.inner = this.cInner
    this.arrays = this.cArrays
    this.want = this.cWant
    this.empty = this.cEmpty
    this.k1 = this.cK1
    this.k3 = this.cK3
    this.k4 = this.cK4
    this.elem = this.cElem
    this.model = this.cModel
    this.choice0 = this.cChoice0
    this.contentKind = this.cContentKind
    this.content = this.cContent
    this.textKind = this.cTextKind
    this.text = this.cText
    this.finish = this.cFinish
  }

  private resetChoice(): void {
    this.choice0 = false
    this.contentKind = this.textKind = ABSENT
    this.content = this.text = ''
    this.finish = null
  }

  /** One data line; lines join with "\n", whitespace to JSON, so the state runs on. Returns 0, BAIL or BAD. */
  private scan(buf: Buffer, s: number, e: number): number {
    let i = s
    while (i < e) {
      const b = buf[i]!
      if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) { i++; continue }
      if (b === QUOTE) {
        // to the closing quote in JS: OpenAI's strings are short, and a native indexOf call costs
        // more than the loop; the escapes and control characters JSON refuses are checked on the way
        let q = i + 1
        let escaped = false
        for (;;) {
          if (q >= e) return BAD // a string cannot run past its line
          const c = buf[q]!
          if (c === QUOTE) break
          if (c === BACKSLASH) {
            const x = buf[q + 1]
            if (x === 0x75) { // \uXXXX
              if (q + 6 > e || !hex(buf[q + 2]!) || !hex(buf[q + 3]!) || !hex(buf[q + 4]!) || !hex(buf[q + 5]!)) return BAD
              q += 6
            } else if (x === QUOTE || x === BACKSLASH || x === 0x2f || x === 0x62 || x === 0x66 || x === 0x6e || x === 0x72 || x === 0x74) q += 2
            else return BAD
            escaped = true
            continue
          }
          if (c < 0x20) return BAD // a raw control character
          q++
        }
        if (this.mayCheckpoint) {
          if (this.want === W_KEY) {
            if (this.depth === 1 && this.inner === 1 && !escaped && equalAt(buf, i + 1, q, B_CHOICES)) this.checkpoint(s, i)
          } else if (this.want === W_VALUE && this.depth === 4 && this.inner === 4 && this.k4 === K_CONTENT) {
            this.checkpoint(s, i)
            this.mayCheckpoint = false
          }
        }
        const r = this.string(buf, i + 1, q, escaped)
        if (r !== 0) return r
        i = q + 1
        continue
      }
      if (b === 0x7b || b === 0x5b) { // { [
        const r = this.open(b === 0x5b)
        if (r !== 0) return r
        i++
        continue
      }
      if (b === 0x7d || b === 0x5d) { // } ]
        const d = this.depth
        const isArray = b === 0x5d
        if (d === 0 || ((this.arrays >> d) & 1) !== (isArray ? 1 : 0)) return BAD
        if (this.want !== W_NEXT && !(this.empty && this.want === (isArray ? W_VALUE : W_KEY))) return BAD
        if (d === this.inner) this.inner--
        this.arrays &= ~(1 << d)
        this.depth = d - 1
        this.want = W_NEXT
        this.empty = false
        if (d === 1) this.top = this.top === 1 ? 2 : 4
        i++
        continue
      }
      if (b === 0x3a) { // :
        if (this.want !== W_COLON) return BAD
        this.want = W_VALUE
        i++
        continue
      }
      if (b === 0x2c) { // ,
        if (this.want !== W_NEXT || this.depth === 0) return BAD
        this.empty = false
        if (((this.arrays >> this.depth) & 1) === 0) this.want = W_KEY
        else {
          this.want = W_VALUE
          if (this.depth === 2 && this.inner === 2) this.elem++
        }
        i++
        continue
      }
      // a literal: null, true, false or a number
      let j = i + 1
      while (j < e) {
        const c = buf[j]!
        if (c === 0x2c || c === 0x7d || c === 0x5d || c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x3a) break
        j++
      }
      const r = this.literal(buf, i, j)
      if (r !== 0) return r
      i = j
    }
    return 0
  }

  /** A container opens at depth+1. */
  private open(isArray: boolean): number {
    const d = this.depth + 1
    if (this.want !== W_VALUE) return BAD
    if (d > MAX_DEPTH) return BAIL
    if (this.depth === 0) {
      if (this.top !== 0) return BAD
      this.top = isArray ? 3 : 1
      if (!isArray) this.inner = 1
    } else if (this.depth === this.inner) {
      // a value inside a container the scan reads
      switch (this.inner) {
        case 1:
          if (this.k1 === K_USAGE || this.k1 === K_TYPE) return BAIL
          if (this.k1 === K_MODEL) this.model = null
          else if (this.k1 === K_CHOICES) {
            if (!isArray) return BAIL // choices[0] of an object: JSON.parse's business
            this.resetChoice()
            this.elem = 0
            this.inner = 2
          }
          break
        case 2:
          // choices[0] that is an array (or a string, a number) is truthy but has no fields: nothing to read
          if (this.elem === 0 && !isArray) { this.choice0 = true; this.inner = 3; this.k3 = K_OTHER }
          break
        case 3:
          if (this.k3 === K_DELTA) {
            this.contentKind = ABSENT
            if (!isArray) { this.inner = 4; this.k4 = K_OTHER }
          } else if (this.k3 === K_TEXT) this.textKind = NOT_TEXT
          else if (this.k3 === K_FINISH) return BAIL
          break
        case 4:
          if (this.k4 === K_CONTENT) this.contentKind = NOT_TEXT
          break
      }
    }
    this.depth = d
    if (isArray) this.arrays |= 1 << d
    this.want = isArray ? W_VALUE : W_KEY
    this.empty = true
    return 0
  }

  /** A string, bytes [a, b) between its quotes. */
  private string(buf: Buffer, a: number, b: number, escaped: boolean): number {
    const d = this.depth
    const want = this.want
    this.empty = false
    if (want === W_KEY) {
      this.want = W_COLON
      if (d !== this.inner) return 0
      // a key with an escape may spell any name: only JSON.parse knows
      if (escaped) return BAIL
      // the first byte picks the one name a key can be
      const f = buf[a]
      switch (d) {
        case 1:
          this.k1 = f === 0x6d ? (equalAt(buf, a, b, B_MODEL) ? K_MODEL : K_OTHER)
            : f === 0x75 ? (equalAt(buf, a, b, B_USAGE) ? K_USAGE : K_OTHER)
            : f === 0x63 ? (equalAt(buf, a, b, B_CHOICES) ? K_CHOICES : K_OTHER)
            : f === 0x74 ? (equalAt(buf, a, b, B_TYPE) ? K_TYPE : K_OTHER) : K_OTHER
          if (this.k1 === K_CHOICES) this.resetChoice() // the last `choices` is the one JSON.parse keeps
          break
        case 3:
          this.k3 = f === 0x64 ? (equalAt(buf, a, b, B_DELTA) ? K_DELTA : K_OTHER)
            : f === 0x74 ? (equalAt(buf, a, b, B_TEXT) ? K_TEXT : K_OTHER)
            : f === 0x66 ? (equalAt(buf, a, b, B_FINISH) ? K_FINISH : K_OTHER) : K_OTHER
          break
        case 4:
          this.k4 = f === 0x63 && equalAt(buf, a, b, B_CONTENT) ? K_CONTENT : K_OTHER
          break
      }
      return 0
    }
    if (want !== W_VALUE) return BAD
    this.want = W_NEXT
    if (d === 0) {
      this.top = 3
      return 0
    }
    if (d !== this.inner) return 0
    switch (d) {
      case 1:
        if (this.k1 === K_MODEL) {
          const m = this.modelOf(buf, a, b, escaped)
          if (m === null) return BAD
          this.model = m
        } else if (this.k1 === K_USAGE || this.k1 === K_CHOICES || this.k1 === K_TYPE) return BAIL
        break
      case 3:
        if (this.k3 === K_TEXT) {
          const t = decode(buf, a, b, escaped)
          if (t === null) return BAD
          this.textKind = STRING
          this.text = t
        } else if (this.k3 === K_FINISH) {
          const f = decode(buf, a, b, escaped)
          if (f === null) return BAD
          this.finish = f === '' ? null : f
        } else if (this.k3 === K_DELTA) this.contentKind = ABSENT
        break
      case 4:
        if (this.k4 === K_CONTENT) {
          const c = decode(buf, a, b, escaped)
          if (c === null) return BAD
          this.contentKind = STRING
          this.content = c
        }
        break
    }
    return 0
  }

  /** null, true, false or a number, bytes [a, b). */
  private literal(buf: Buffer, a: number, b: number): number {
    const c = buf[a]!
    let isNull = false
    let falsy = false
    if (c === 0x6e) { if (!equalAt(buf, a, b, NULL)) return BAD; isNull = falsy = true }
    else if (c === 0x74) { if (!equalAt(buf, a, b, TRUE)) return BAD }
    else if (c === 0x66) { if (!equalAt(buf, a, b, FALSE)) return BAD; falsy = true }
    else if (!isNumber(buf, a, b)) return BAD
    if (this.want !== W_VALUE) return BAD
    this.want = W_NEXT
    this.empty = false
    const d = this.depth
    if (d === 0) {
      this.top = 3
      return 0
    }
    if (d !== this.inner) return 0
    switch (d) {
      case 1:
        if (this.k1 === K_MODEL) this.model = null
        else if (this.k1 === K_CHOICES) this.resetChoice() // null, a number: no choices[0]
        break
      case 3:
        if (this.k3 === K_DELTA) this.contentKind = ABSENT
        else if (this.k3 === K_TEXT) this.textKind = isNull ? ABSENT : NOT_TEXT
        else if (this.k3 === K_FINISH) { if (!falsy) return BAIL; this.finish = null }
        break
      case 4:
        if (this.k4 === K_CONTENT) this.contentKind = isNull ? ABSENT : NOT_TEXT
        break
    }
    return 0
  }

  /** The model string; the same bytes as the last event's give the same string, without decoding. */
  private modelOf(buf: Buffer, a: number, b: number, escaped: boolean): string | null {
    const last = this.lastModelBytes
    if (last !== null && equalAt(buf, a, b, last)) return this.lastModel
    const m = decode(buf, a, b, escaped)
    if (m === null) return null
    this.lastModel = m
    this.lastModelBytes = Buffer.from(buf.subarray(a, b))
    return m
  }
}

const NULL = Buffer.from('null')
const TRUE = Buffer.from('true')
const FALSE = Buffer.from('false')

/** JSON's number: -?(0|[1-9]digits)(.digits)?([eE][+-]?digits)? */
function isNumber(buf: Buffer, a: number, b: number): boolean {
  let i = a
  if (buf[i] === 0x2d) i++
  if (i < b && buf[i] === 0x30) i++
  else {
    const from = i
    i = digitsEnd(buf, i, b)
    if (i === from) return false
  }
  if (i < b && buf[i] === 0x2e) {
    const from = ++i
    i = digitsEnd(buf, i, b)
    if (i === from) return false
  }
  if (i < b && (buf[i] === 0x65 || buf[i] === 0x45)) {
    i++
    if (i < b && (buf[i] === 0x2b || buf[i] === 0x2d)) i++
    const from = i
    i = digitsEnd(buf, i, b)
    if (i === from) return false
  }
  return i === b
}

function digitsEnd(buf: Buffer, i: number, b: number): number {
  while (i < b && buf[i]! >= 0x30 && buf[i]! <= 0x39) i++
  return i
}

function hex(x: number): boolean {
  return (x >= 0x30 && x <= 0x39) || (x >= 0x61 && x <= 0x66) || (x >= 0x41 && x <= 0x46)
}

/** A JSON string's bytes [a, b) between its quotes (checked by the scan) as JSON.parse reads it. */
function decode(buf: Buffer, a: number, b: number, escaped: boolean): string | null {
  if (!escaped) return buf.toString('utf8', a, b)
  try {
    return JSON.parse(buf.toString('utf8', a - 1, b + 1)) as string
  } catch {
    return null
  }
}
