/**
 * The request's header object (core/server/proxy-server.ts): 7 SDK-like headers copied in as uWS hands them over
 * (repeats joined with ", "), then read the way a plain proxied request reads them (the framing checks, the
 * router's host, the upstream copy by for-in). The object has no inherited names either way; what differs is
 * V8's layout: Object.create(null) starts as a dictionary, Object.create(<frozen empty null-prototype object>)
 * stays a fast object with a layout shared by every request sending the same headers.
 *
 *   node --import tsx bench/micro/request-headers.bench.ts
 */
import { compare, consume } from './measure.ts';

const NAMES = ['host', 'content-type', 'accept', 'user-agent', 'authorization', 'content-length', 'x-stainless-os'];
const VALUES = NAMES.map((n) => `value of ${n}`);
const NO_INHERITED: object = Object.freeze(Object.create(null));

function fill(h: Record<string, string>): Record<string, string> {
  for (let i = 0; i < NAMES.length; i++) {
    const k = NAMES[i];
    const prev = h[k];
    h[k] = prev === undefined ? VALUES[i] : `${prev}, ${VALUES[i]}`;
  }
  return h;
}

function read(h: Record<string, string>): number {
  let n = (h['content-length'] ?? '').length + (h['transfer-encoding'] ?? '').length + (h.host ?? '').length;
  for (const k in h) n += h[k].length;
  return n;
}

compare('request headers: build + read (one request)', {
  'Object.create(null)': () => consume(read(fill(Object.create(null) as Record<string, string>))),
  'Object.create(NO_INHERITED)': () => consume(read(fill(Object.create(NO_INHERITED) as Record<string, string>))),
}, { timeMs: 400, warmupMs: 150 });
