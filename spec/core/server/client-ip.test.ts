import { describe, expect, it } from 'vitest'
import { isIPv4, isIPv6 } from 'node:net'
import type { HttpResponse } from 'uWebSockets.js'
import { clientIp } from '../../../core/server/client-ip.ts'

// uWS gives the peer address as bytes (4 for IPv4, 16 for IPv6) and as text, IPv6 in its long hex form even when
// IPv4-mapped: these pairs are what uWS 20.30 answers for clients of a 127.0.0.1 and a dual-stack `::` listener
function fakeRes(bytes: number[], text: string): HttpResponse {
  const buf = (a: Uint8Array): ArrayBuffer => a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength) as ArrayBuffer
  return {
    getRemoteAddress: () => buf(Uint8Array.from(bytes)),
    getRemoteAddressAsText: () => buf(Buffer.from(text, 'latin1')),
  } as unknown as HttpResponse
}

const mapped = (a: number, b: number, c: number, d: number): number[] => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d]

describe('clientIp', () => {
  it.each([
    { bytes: [127, 0, 0, 1], text: '127.0.0.1', want: '127.0.0.1' },
    { bytes: [255, 255, 255, 255], text: '255.255.255.255', want: '255.255.255.255' },
    { bytes: [0, 0, 0, 0], text: '0.0.0.0', want: '0.0.0.0' },
    { bytes: mapped(127, 0, 0, 1), text: '0000:0000:0000:0000:0000:ffff:7f00:0001', want: '127.0.0.1' },
    { bytes: mapped(10, 20, 30, 40), text: '0000:0000:0000:0000:0000:ffff:0a14:1e28', want: '10.20.30.40' },
    { bytes: mapped(0, 0, 0, 0), text: '0000:0000:0000:0000:0000:ffff:0000:0000', want: '0.0.0.0' },
    // not IPv4-mapped: uWS's text form, unchanged
    { bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], text: '0000:0000:0000:0000:0000:0000:0000:0001', want: '0000:0000:0000:0000:0000:0000:0000:0001' },
    { bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 1, 2, 3, 4], text: '0000:0000:0000:0000:0000:fffe:0102:0304', want: '0000:0000:0000:0000:0000:fffe:0102:0304' },
    { bytes: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4], text: '0100:0000:0000:0000:0000:ffff:0102:0304', want: '0100:0000:0000:0000:0000:ffff:0102:0304' },
    { bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], text: '2001:0db8:0000:0000:0000:0000:0000:0001', want: '2001:0db8:0000:0000:0000:0000:0000:0001' },
  ])('$text → $want', ({ bytes, text, want }) => {
    const ip = clientIp(fakeRes(bytes, text))
    expect(ip).toBe(want)
    expect(isIPv4(ip) || isIPv6(ip)).toBe(true)
  })

  it('writes IPv4-mapped addresses across a sweep of octets as dotted IPv4', () => {
    for (const o of [0, 1, 9, 10, 99, 100, 199, 200, 254, 255]) {
      const bytes = mapped(o, 255 - o, o, 7)
      const hex = (x: number, y: number): string => ((x << 8) | y).toString(16).padStart(4, '0')
      const text = `0000:0000:0000:0000:0000:ffff:${hex(o, 255 - o)}:${hex(o, 7)}`
      expect(clientIp(fakeRes(bytes, text))).toBe(`${o}.${255 - o}.${o}.7`)
    }
  })
})
