// The log phases of requests that end in one turn of the loop run from one setImmediate
// (pipeline.ts queueLog): each request still gets its own log phase, once, in the order the
// requests ended, and one failing (thrown or rejected) log phase costs no other request its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { Type } from 'typebox'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../../public/testing/upstream.ts'
import { definePlugin, type AnyPlugin } from '../../../core/plugins/contract.ts'

const logged: string[] = []
let waiter: { n: number; done: () => void } | null = null
function record(id: string): void {
  logged.push(id)
  if (waiter !== null && logged.length >= waiter.n) waiter.done()
}
function loggedCount(n: number): Promise<void> {
  return new Promise((resolve) => {
    waiter = { n, done: resolve }
    if (logged.length >= n) resolve()
  })
}

const logger = definePlugin({
  name: 'test-batch-logger', version: '1.0.0', priority: 10,
  schema: Type.Object({}),
  log(kong) {
    const id = kong.request.getHeader('x-n') ?? '?'
    record(id)
    // some log phases fail, thrown or rejected: the others in the same batch still run
    if (id.endsWith('3')) throw new Error('log failed on purpose')
    if (id.endsWith('7')) return Promise.reject(new Error('async log failed on purpose'))
  },
}) as AnyPlugin

let up: FakeUpstream
let gw: TestGateway
beforeAll(async () => {
  up = await startUpstream((_req, res) => { res.end('ok') })
  gw = await startGateway(`
_format_version: "3.0"
services:
  - name: s
    url: ${up.url}
    routes:
      - name: r
        paths: ["/"]
        plugins: [{ name: test-batch-logger }]
`, { plugins: [logger] })
})
afterAll(async () => { await gw.close(); await up.close() })

describe('log phases batched per loop turn', () => {
  it.each([1, 2, 13, 40])('%i concurrent requests: each logged once', async (n) => {
    logged.length = 0
    const ids = Array.from({ length: n }, (_, i) => `${n}-${i}`)
    const all = loggedCount(n)
    const statuses = await Promise.all(ids.map(async (id) => {
      const res = await request(`${gw.proxy}/`, { headers: { 'x-n': id } })
      await res.body.dump()
      return res.statusCode
    }))
    expect(statuses.every((s) => s === 200)).toBe(true)
    await all
    expect([...logged].sort()).toEqual([...ids].sort())
  })

  it('requests one after another: each logged once, in order', async () => {
    logged.length = 0
    const ids = ['seq-0', 'seq-1', 'seq-3', 'seq-7', 'seq-8']
    for (const id of ids) {
      const res = await request(`${gw.proxy}/`, { headers: { 'x-n': id } })
      await res.body.dump()
    }
    await loggedCount(ids.length)
    expect(logged).toEqual(ids)
  })
})
