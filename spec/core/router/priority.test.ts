// Kong's 64-bit route priority layout (kong/router/transform.lua get_priority).

import { describe, expect, it } from 'vitest'
import { comparePriority, kongPriority, routePriority, type PriorityInput } from '../../../core/router/priority.ts'

const none: PriorityInput = { methods: 0, hosts: [], headerNames: 0, snis: 0, paths: [], regex: false, regexPriority: 0 }

describe('route priority', () => {
  it.each([
    ['paths only', { paths: ['/abc'] }, (1n << 61n) | 4n],
    ['method + plain host', { methods: 1, hosts: ['a.com'] }, (2n << 61n) | (1n << 60n)],
    ['wildcard host', { hosts: ['*.a.com'] }, 1n << 61n],
    ['headers, capped at 255', { headerNames: 300 }, (1n << 61n) | (255n << 52n)],
    ['regex with regex_priority', { paths: ['~/x'], regex: true, regexPriority: 7 }, (1n << 61n) | (1n << 51n) | (7n << 19n)],
    ['regex_priority ignored for prefixes', { paths: ['/x'], regexPriority: 7 }, (1n << 61n) | 2n],
    ['all five fields', { methods: 1, hosts: ['a'], headerNames: 1, snis: 1, paths: ['/'] }, (5n << 61n) | (1n << 60n) | (1n << 52n) | 1n],
  ] as const)('%s', (_, over, expected) => {
    expect(kongPriority(routePriority({ ...none, ...over }))).toBe(expected)
  })

  it('orders fields from the most significant bit down', () => {
    const p = (over: Partial<PriorityInput>) => routePriority({ ...none, ...over })
    const order = [
      p({ methods: 1, paths: ['/a'] }), // 2 fields
      p({ hosts: ['a.com'] }), // plain host
      p({ headerNames: 2 }),
      p({ headerNames: 1 }),
      p({ paths: ['~/a'], regex: true, regexPriority: 3 }),
      p({ paths: ['~/a'], regex: true }),
      p({ paths: ['~/a'], regex: true, regexPriority: -3 }),
      p({ paths: ['/longer'] }),
      p({ paths: ['/a'] }),
      p({ hosts: ['*.a.com:8080'] }),
      p({ hosts: ['*.a.com'] }),
    ]
    for (let i = 1; i < order.length; i++) expect(comparePriority(order[i - 1]!, order[i]!)).toBeLessThan(0)
  })
})
