// The client's address as text, IPv4-mapped IPv6 addresses shown as IPv4 (as nginx's $remote_addr).
import type { HttpResponse } from 'uWebSockets.js'

export function clientIp(res: HttpResponse): string {
  const ip = Buffer.from(res.getRemoteAddressAsText()).toString('latin1')
  return ip.startsWith('0000:0000:0000:0000:0000:ffff:') ? ip.slice(30) : ip.startsWith('::ffff:') ? ip.slice(7) : ip
}
