// The H1 client's table of shared response header strings (core/proxy/shared-header-strings.ts)
// is filled by upstreams: whatever names and values they send, it stays within its bound, never
// changes what a head says (a value that changes is never answered with the previous one), and a
// name like `__proto__` is only a key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import type { FlatHeaders } from '../../core/runloop/context.ts'
import { MAX_NAME_LENGTH, MAX_NAMES, MAX_VALUE_LENGTH, shareHeaderStrings, sharedHeaderNames } from '../../core/proxy/shared-header-strings.ts'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'

const share = (head: FlatHeaders): FlatHeaders => {
  const hs = [...head]
  for (let i = 0; i < hs.length; i += 2) shareHeaderStrings(hs, i)
  return hs
}

const HOSTILE_HEADS: [string, FlatHeaders][] = [
  ['prototype names', ['__proto__', 'x', 'constructor', 'y', 'prototype', 'z', 'hasOwnProperty', '1', 'toString', '2']],
  ['prototype names again, other values', ['__proto__', 'x2', 'constructor', '', 'prototype', 'z', 'hasOwnProperty', '1 ', 'toString', '2']],
  ['a name at the length bound and past it', ['a'.repeat(MAX_NAME_LENGTH), 'v', 'b'.repeat(MAX_NAME_LENGTH + 1), 'v', 'c'.repeat(8000), 'v']],
  ['a value at the length bound and past it', ['x-long', 'v'.repeat(MAX_VALUE_LENGTH), 'x-long', 'w'.repeat(MAX_VALUE_LENGTH + 1), 'x-long', 'v'.repeat(MAX_VALUE_LENGTH)]],
  ['Buffer values (bytes past ASCII)', ['x-bin', Buffer.from([0xe9, 0x41]) as unknown as string, 'x-bin', 'ascii', 'x-bin', Buffer.from([0xff]) as unknown as string]],
  ['the same name twice with different values', ['set-cookie', 'a=1', 'set-cookie', 'b=2', 'set-cookie', 'a=1']],
  ['names differing only in case', ['X-Request-ID', 'A', 'x-request-id', 'B', 'X-REQUEST-ID', 'C']],
  ['empty name and values', ['', '', 'x-empty', '', 'x-empty', 'not empty']],
]

describe('through the gateway (H1 client, real sockets)', () => {
  let up: FakeUpstream
  let gw: TestGateway
  let n = 0

  beforeAll(async () => {
    // every answer has fixed headers, per-answer values, and a hostile name
    up = await startUpstream((_req, res) => {
      n++
      res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains; preload')
      res.setHeader('x-request-id', `req_${n}`)
      res.setHeader('x-parity', n % 2 === 0 ? 'even' : 'odd')
      res.setHeader('__proto__', `p${n % 3}`)
      res.setHeader('content-type', 'text/event-stream')
      // streamed (no content-length): the heads the client shares strings of
      res.write('answer ')
      res.end(String(n))
    })
    gw = await startGateway(JSON.stringify({ _format_version: '3.0', services: [{ name: 's', url: up.url, routes: [{ name: 'r', paths: ['/'] }] }] }))
  })
  afterAll(async () => { await gw.close(); await up.close() })

  it('each streamed answer reaches the client with its own header values', async () => {
    const before = sharedHeaderNames()
    for (let i = 1; i <= 30; i++) {
      const res = await request(`${gw.proxy}/x`)
      const body = await res.body.text()
      const k = Number(body.slice('answer '.length))
      expect(res.headers['x-request-id']).toBe(`req_${k}`)
      expect(res.headers['x-parity']).toBe(k % 2 === 0 ? 'even' : 'odd')
      expect(res.headers['__proto__']).toBe(`p${k % 3}`)
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains; preload')
      expect(res.headers['content-type']).toBe('text/event-stream')
      expect(res.headers['content-length']).toBeUndefined()
    }
    expect(sharedHeaderNames()).toBeGreaterThan(before + 4) // the gateway's heads went through the table
  })
})

describe('shared response header strings', () => {
  it.each(HOSTILE_HEADS)('%s: the head is unchanged, seen once or many times', (_name, head) => {
    for (let round = 0; round < 3; round++) expect(share(head)).toEqual(head)
  })

  it('values that change from answer to answer are answered with their own value every time', () => {
    for (let n = 0; n < 200; n++) {
      const head = ['x-request-id', `req_${n}`, 'date', `t${n % 3}`, 'content-type', 'text/event-stream', 'x-count', String(n % 2)]
      expect(share(head)).toEqual(head)
    }
  })

  it(`${MAX_NAMES * 4} distinct names: the table stops at ${MAX_NAMES}, later heads are still exact`, () => {
    for (let n = 0; n < MAX_NAMES * 4; n++) {
      const head = [`x-hostile-${n}`, `value-${n}`, 'content-type', 'application/json']
      expect(share(head)).toEqual(head)
      expect(sharedHeaderNames()).toBeLessThanOrEqual(MAX_NAMES)
    }
    expect(sharedHeaderNames()).toBe(MAX_NAMES)
    const late = ['x-never-seen', 'v', '__proto__', 'p', 'content-type', 'application/json']
    expect(share(late)).toEqual(late)
    expect(sharedHeaderNames()).toBe(MAX_NAMES)
  })
})
