// reasonOf: a close reason relayed or chosen by a plugin fits a control frame (123 bytes) and is
// never cut inside a UTF-8 character (RFC 6455 §5.5.1: the reason must be valid UTF-8).
import { describe, expect, it } from 'vitest'
import { reasonOf } from '../../../core/server/websocket-session.ts'

describe('reasonOf', () => {
  it.each([
    ['short ASCII', 'bye', 'bye'],
    ['exactly 123 bytes', 'a'.repeat(123), 'a'.repeat(123)],
    ['long ASCII', 'a'.repeat(500), 'a'.repeat(123)],
    ['a 2-byte character across the cut', 'a'.repeat(122) + 'é' + 'b', 'a'.repeat(122)],
    ['a 3-byte character across the cut', 'a'.repeat(121) + '€' + 'b', 'a'.repeat(121)],
    ['a 4-byte character across the cut', 'a'.repeat(120) + '😀' + 'b', 'a'.repeat(120)],
    ['4-byte characters only', '😀'.repeat(40), '😀'.repeat(30)],
  ])('%s', (_name, input, expected) => {
    const out = reasonOf(Buffer.from(input))
    expect(out.length).toBeLessThanOrEqual(123)
    expect(out.toString('utf8')).toBe(expected)
    expect(Buffer.from(out.toString('utf8')).equals(out)).toBe(true) // valid UTF-8, nothing replaced
  })
})
