// kong.request.getHost keeps its last answer with the Host header it came from (one entry per
// worker): whatever order hosts come in, each request must get its own host, lowercase, no port.
import { describe, expect, it } from 'vitest'
import { makeKong } from './context-factory.ts'

const HOSTS: [string, string][] = [
  ['Example.TEST:8000', 'example.test'],
  ['example.test', 'example.test'],
  ['example.test:8000', 'example.test'],
  ['[::1]:8080', '[::1]'],
  ['[::1]', '[::1]'],
  ['API.Example.com', 'api.example.com'],
  ['', ''],
  ['a:b:c', 'a:b'],
  ['__proto__', '__proto__'],
  ['KELVIN\u212A.test', 'kelvin\u212a.test'.toLowerCase()],
  [`${'h'.repeat(5000)}:1`, 'h'.repeat(5000)],
]

describe('kong.request.getHost', () => {
  it('each request its own host, in any order, asked once or many times', () => {
    const order = [...HOSTS, ...[...HOSTS].reverse(), ...HOSTS.flatMap((h) => [h, h, HOSTS[0]!])]
    for (const [header, host] of order) {
      const { kong, enter } = makeKong({ headers: { host: header } })
      enter('access')
      for (let i = 0; i < 3; i++) expect(kong.request.getHost()).toBe(host)
      expect(kong.request.getForwardedHost()).toBe(host)
    }
  })

  it('a request with no Host header', () => {
    const { kong, ctx, enter } = makeKong()
    delete (ctx.headers as Record<string, string>).host
    enter('access')
    expect(kong.request.getHost()).toBe('')
  })
})
