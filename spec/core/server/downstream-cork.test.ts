// Downstream.flush drains its queue inside uWS's cork through one module-level callback instead of
// a closure per flush: the callback must always drain the exchange being flushed, also when a
// flush happens inside another exchange's cork.
import { describe, expect, it } from 'vitest'
import type { HttpResponse } from 'uWebSockets.js'
import { Downstream } from '../../../core/server/downstream.ts'

/** A uWS response that records what is written and which callbacks cork was given. */
function fakeRes(name: string, log: string[], corks: unknown[], onWrite?: () => void): HttpResponse {
  const res = {
    onAborted() { return res },
    cork(fn: () => void) { corks.push(fn); fn(); return res },
    writeStatus(s: string) { log.push(`${name} status ${s}`); return res },
    writeHeader(k: string, v: string) { log.push(`${name} header ${k}: ${v}`); return res },
    write(b: Buffer) { log.push(`${name} write ${b.toString()}`); onWrite?.(); return true },
    end() { log.push(`${name} end`); return res },
    close() { return res },
    getWriteOffset() { return 0 },
    onWritable() { return res },
  }
  return res as unknown as HttpResponse
}

const SEQUENCES: [string, string[][]][] = [
  ['one event per flush', [['a'], ['b'], ['c']]],
  ['a burst in one flush', [['a', 'b', 'c']]],
  ['empty flushes between events', [['a'], [], ['b'], []]],
  ['many flushes', Array.from({ length: 50 }, (_, i) => [`e${i}`])],
]

describe('Downstream flush inside cork', () => {
  it.each(SEQUENCES)('%s: every chunk written in order, one cork callback for all flushes', (_name, flushes) => {
    const log: string[] = []
    const corks: unknown[] = []
    const d = new Downstream(fakeRes('x', log, corks))
    d.head(200, ['content-type', 'text/event-stream'], -1)
    const expected: string[] = ['x status 200 OK', 'x header content-type: text/event-stream']
    for (const f of flushes) {
      for (const c of f) { d.write(Buffer.from(c)); expected.push(`x write ${c}`) }
      d.flush()
    }
    d.end()
    d.flush()
    expected.push('x end')
    expect(log).toEqual(expected)
    expect(new Set(corks).size).toBe(1)
  })

  it('a flush of another exchange inside a cork drains that one, then the outer goes on', () => {
    const log: string[] = []
    const corks: unknown[] = []
    const inner = new Downstream(fakeRes('in', log, corks))
    inner.head(200, [], -1)
    inner.write(Buffer.from('i1'))
    let nested = false
    const outer = new Downstream(fakeRes('out', log, corks, () => { if (!nested) { nested = true; inner.flush() } }))
    outer.head(200, [], -1)
    outer.write(Buffer.from('o1'))
    outer.write(Buffer.from('o2'))
    outer.flush()
    expect(log).toEqual(['out status 200 OK', 'out write o1', 'in status 200 OK', 'in write i1', 'out write o2'])
  })

  it('a throw inside the cork leaves no exchange behind for the next flush', () => {
    const log: string[] = []
    const corks: unknown[] = []
    const bad = new Downstream(fakeRes('bad', log, corks, () => { throw new Error('uWS state') }))
    bad.head(200, [], -1)
    bad.write(Buffer.from('x'))
    expect(() => bad.flush()).toThrow('uWS state')
    const good = new Downstream(fakeRes('good', log, corks))
    good.head(200, [], -1)
    good.write(Buffer.from('g'))
    good.flush()
    expect(log.filter((l) => l.startsWith('good'))).toEqual(['good status 200 OK', 'good write g'])
  })
})
