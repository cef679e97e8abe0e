// Route conditions other than paths: hosts (exact, wildcards, ports), methods, headers, snis.

import { describe, expect, it } from 'vitest'
import { winner, type Case } from './pick-winner.ts'
import { req } from './route-factory.ts'

const hostCases: Case[] = [
  { what: 'exact host', routes: [{ name: 'r', hosts: ['example.com'] }], request: req('GET', '/'), expected: 'r' },
  { what: 'host is case-insensitive', routes: [{ name: 'r', hosts: ['Example.com'] }], request: req('GET', '/', 'EXAMPLE.COM'), expected: 'r' },
  { what: 'request port is stripped', routes: [{ name: 'r', hosts: ['example.com'] }], request: req('GET', '/', 'example.com:8000'), expected: 'r' },
  { what: 'other host misses', routes: [{ name: 'r', hosts: ['example.com'] }], request: req('GET', '/', 'example.org'), expected: null },
  { what: '*.example.com matches one label', routes: [{ name: 'r', hosts: ['*.example.com'] }], request: req('GET', '/', 'api.example.com'), expected: 'r' },
  { what: '*.example.com matches several labels', routes: [{ name: 'r', hosts: ['*.example.com'] }], request: req('GET', '/', 'a.b.example.com:81'), expected: 'r' },
  { what: '*.example.com does not match example.com', routes: [{ name: 'r', hosts: ['*.example.com'] }], request: req('GET', '/', 'example.com'), expected: null },
  { what: 'example.* matches any tld', routes: [{ name: 'r', hosts: ['example.*'] }], request: req('GET', '/', 'example.org'), expected: 'r' },
  { what: 'example.* does not match myexample.org', routes: [{ name: 'r', hosts: ['example.*'] }], request: req('GET', '/', 'myexample.org'), expected: null },
  { what: 'host:port matches that port', routes: [{ name: 'r', hosts: ['example.com:8080'] }], request: req('GET', '/', 'example.com:8080'), expected: 'r' },
  { what: 'host:port misses another port', routes: [{ name: 'r', hosts: ['example.com:8080'] }], request: req('GET', '/', 'example.com:9090'), expected: null },
  {
    what: 'host:port uses the arrival port when Host has none',
    routes: [{ name: 'r', hosts: ['example.com:8443'] }],
    request: { ...req('GET', '/'), port: 8443 },
    expected: 'r',
  },
  { what: 'host:80 matches a Host without port by default', routes: [{ name: 'r', hosts: ['example.com:80'] }], request: req('GET', '/'), expected: 'r' },
  { what: 'wildcard with port', routes: [{ name: 'r', hosts: ['*.route.net:123'] }], request: req('GET', '/', 'foo.route.net:123'), expected: 'r' },
  { what: 'wildcard with port misses another port', routes: [{ name: 'r', hosts: ['*.route.net:123'] }], request: req('GET', '/', 'foo.route.net:456'), expected: null },
  {
    what: 'port-specific host wins the tie with the same host without port',
    routes: [{ name: 'any-port', hosts: ['domain-1.org'] }, { name: 'port', hosts: ['domain-1.org:321'] }],
    request: req('GET', '/', 'domain-1.org:321'),
    expected: 'port',
  },
  {
    what: 'the portless route takes other ports',
    routes: [{ name: 'any-port', hosts: ['route.*'] }, { name: 'port', hosts: ['route.*:123'] }],
    request: req('GET', '/', 'route.org:80'),
    expected: 'any-port',
  },
  { what: 'IPv6 literal with port', routes: [{ name: 'r', hosts: ['[::1]'] }], request: req('GET', '/', '[::1]:8000'), expected: 'r' },
  { what: 'no Host header misses host routes', routes: [{ name: 'r', hosts: ['example.com'] }], request: req('GET', '/', ''), expected: null },
]

const methodAndHeaderCases: Case[] = [
  { what: 'method in list', routes: [{ name: 'r', methods: ['GET', 'POST'] }], request: req('POST', '/'), expected: 'r' },
  { what: 'method not in list', routes: [{ name: 'r', methods: ['GET', 'POST'] }], request: req('DELETE', '/'), expected: null },
  { what: 'header any value', routes: [{ name: 'r', headers: { 'x-v': ['1', '2'] } }], request: req('GET', '/', 'h', { 'x-v': '2' }), expected: 'r' },
  { what: 'header other value', routes: [{ name: 'r', headers: { 'x-v': ['1', '2'] } }], request: req('GET', '/', 'h', { 'x-v': '3' }), expected: null },
  { what: 'header absent', routes: [{ name: 'r', headers: { 'x-v': ['1'] } }], request: req('GET', '/'), expected: null },
  {
    what: 'all header names are required',
    routes: [{ name: 'r', headers: { 'x-a': ['1'], 'x-b': ['2'] } }],
    request: req('GET', '/', 'h', { 'x-a': '1' }),
    expected: null,
  },
  { what: 'header value is case-insensitive', routes: [{ name: 'r', headers: { 'x-v': ['Quote'] } }], request: req('GET', '/', 'h', { 'x-v': 'QUOTE' }), expected: 'r' },
  { what: 'header name is case-insensitive, _ reads as -', routes: [{ name: 'r', headers: { X_Version: ['v1'] } }], request: req('GET', '/', 'h', { 'x-version': 'v1' }), expected: 'r' },
  {
    what: '~* header regex, case-insensitive, unanchored',
    routes: [{ name: 'r', headers: { 'user-agent': ['~*windows|linux|os\\s+x\\s*[\\d\\._]+|solaris|bsd'] } }],
    request: req('GET', '/', 'h', { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15)' }),
    expected: 'r',
  },
  {
    what: '~* header regex miss',
    routes: [{ name: 'r', headers: { 'user-agent': ['~*windows|linux'] } }],
    request: req('GET', '/', 'h', { 'user-agent': 'curl/8.0' }),
    expected: null,
  },
  {
    what: 'a repeated header matches on any of its values',
    routes: [{ name: 'r', headers: { 'x-v': ['b'] } }],
    request: req('GET', '/', 'h', { 'x-v': 'a, b' }),
    expected: 'r',
  },
  {
    what: 'snis are not checked on a plain-HTTP request',
    routes: [{ name: 'r', snis: ['api.example.com'], paths: ['/'] }],
    request: req('GET', '/'),
    expected: 'r',
  },
  {
    what: 'snis are checked on a TLS request',
    routes: [{ name: 'r', snis: ['api.example.com'], paths: ['/'] }],
    request: { ...req('GET', '/'), sni: 'other.example.com' },
    expected: null,
  },
]

describe('router: hosts', () => {
  it.each(hostCases)('$what', ({ routes, request, expected }) => {
    expect(winner(routes, request)).toBe(expected)
  })
})

describe('router: methods, headers, snis', () => {
  it.each(methodAndHeaderCases)('$what', ({ routes, request, expected }) => {
    expect(winner(routes, request)).toBe(expected)
  })
})
