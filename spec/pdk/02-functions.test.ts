// What each PDK function returns or changes, in a phase where it is allowed.
import { describe, expect, it } from 'vitest'
import { makeKong } from './context-factory.ts'

describe('kong.request', () => {
  const { kong, enter } = makeKong({ method: 'POST', path: '/a/b', query: 'x=1&x=2&flag&e=%20s', headers: { 'x-my-header': 'v', 'content-type': 'application/json' }, body: '{"k":[1]}' })
  enter('access')
  it('reads scheme, host, port, method, path and query', () => {
    expect(kong.request.getScheme()).toBe('http')
    expect(kong.request.getHost()).toBe('example.test')
    expect(kong.request.getPort()).toBe(8000)
    expect(kong.request.getMethod()).toBe('POST')
    expect(kong.request.getPath()).toBe('/a/b')
    expect(kong.request.getPathWithQuery()).toBe('/a/b?x=1&x=2&flag&e=%20s')
    expect(kong.request.getRawQuery()).toBe('x=1&x=2&flag&e=%20s')
    expect(kong.request.getQuery()).toEqual({ x: ['1', '2'], flag: true, e: ' s' })
    expect(kong.request.getQueryArg('x')).toBe('1')
    expect(kong.request.getQueryArg('flag')).toBe(true)
    expect(kong.request.getQueryArg('none')).toBeUndefined()
  })
  it('reads headers case-insensitively, _ as -', () => {
    expect(kong.request.getHeader('X-My-Header')).toBe('v')
    expect(kong.request.getHeader('x_my_header')).toBe('v')
    expect(kong.request.getHeaders()).toMatchObject({ host: 'Example.TEST:8000', 'x-my-header': 'v' })
    expect(Object.keys(kong.request.getHeaders(1))).toHaveLength(1)
  })
  it('reads the body raw and decoded by content type', () => {
    expect(kong.request.getRawBody()!.toString()).toBe('{"k":[1]}')
    expect(kong.request.getBody()).toEqual([{ k: [1] }, undefined, 'application/json'])
    expect(kong.request.getBody('application/x-www-form-urlencoded')[0]).toEqual({ '{"k":[1]}': true })
  })
})

describe('kong.response', () => {
  it('queues header changes before the response exists, applies them to it', () => {
    const { kong, ctx, enter } = makeKong()
    enter('access')
    kong.response.setHeader('X-A', '1')
    kong.response.addHeader('X-A', '2')
    kong.response.setHeaders({ 'X-B': ['3', '4'] })
    kong.response.clearHeader('X-C')
    expect(ctx.headerEdits).toEqual([['set', 'X-A', '1'], ['add', 'X-A', '2'], ['set', 'X-B', ['3', '4']], ['clear', 'X-C', null]])
    expect(() => kong.response.setHeader('X-D', 'a\r\nb')).toThrow(/CR or LF/)
  })
  it.each([
    ['a\r\nb'], ['\r'], ['\n'], ['x\ny'], ['ok\r'], [['fine', 'bad\n']], [['\r\nInjected: 1']],
  ])('refuses a header value with CR or LF: %j (set, add, setHeaders), queues nothing', (value) => {
    const { kong, ctx, enter } = makeKong()
    enter('access')
    expect(() => kong.response.setHeader('X-D', value as string)).toThrow(/invalid header value for "X-D": contains CR or LF/)
    expect(() => kong.response.addHeader('X-D', value as string)).toThrow(/CR or LF/)
    expect(() => kong.response.setHeaders({ 'X-D': value as string })).toThrow(/CR or LF/)
    expect(ctx.headerEdits).toBeNull()
  })
  it('stores numbers and array values as strings', () => {
    const { kong, ctx, enter } = makeKong()
    enter('access')
    kong.response.setHeader('X-N', 42)
    kong.response.addHeader('X-M', [1, 'b'] as unknown as string[])
    expect(ctx.headerEdits).toEqual([['set', 'X-N', '42'], ['add', 'X-M', ['1', 'b']]])
  })
  it('reads and edits the response in header_filter', () => {
    const { kong, ctx, enter } = makeKong()
    ctx.status = 201
    ctx.responseHeaders = ['Content-Type', Buffer.from('text/plain'), 'X-A', '1']
    enter('header_filter')
    expect(kong.response.getStatus()).toBe(201)
    expect(kong.response.getHeader('content-type')).toBe('text/plain')
    kong.response.addHeader('x-a', '2')
    expect(kong.response.getHeaders()).toEqual({ 'content-type': 'text/plain', 'x-a': ['1', '2'] })
    kong.response.clearHeader('X-A')
    expect(kong.response.getHeader('x-a')).toBeUndefined()
    expect(kong.response.getSource()).toBe('service')
  })
  it('exit: JSON for objects, strings as is, first exit wins', () => {
    const { kong, ctx, enter } = makeKong()
    enter('access')
    kong.response.exit(403, { message: 'no' }, { 'X-Why': 'because' })
    expect(ctx.exit).toEqual({ status: 403, body: '{"message":"no"}', headers: ['Content-Type', 'application/json; charset=utf-8', 'X-Why', 'because'] })
    kong.response.exit(200, 'late')
    expect(ctx.exit!.status).toBe(403)
    expect(ctx.source).toBe('exit')
    enter('header_filter')
    expect(kong.response.getSource()).toBe('exit')
  })
  it('exit keeps other headers when the caller sets Content-Type', () => {
    const { kong, ctx, enter } = makeKong()
    enter('access')
    kong.response.exit(200, { a: 1 }, { 'X-Other': '1', 'Content-Type': 'application/vnd+json' })
    expect(ctx.exit!.headers).toEqual(['X-Other', '1', 'Content-Type', 'application/vnd+json'])
    expect(() => makeKong().kong.response.exit(99)).toThrow()
  })
  it("error renders Kong's body, by Accept", () => {
    const { kong, ctx, enter } = makeKong({ headers: { accept: 'text/plain' } })
    enter('access')
    kong.response.error(404)
    expect(ctx.exit!.status).toBe(404)
    expect(String(ctx.exit!.body)).toBe(`Not found\nrequest_id: ${ctx.requestId}\n`)
    expect(() => { const k = makeKong(); k.enter('access'); k.kong.response.error(200) }).toThrow('code must be a number between 400 and 599')
  })
})

describe('kong.service', () => {
  it('sets target, timeouts, and the upstream request', () => {
    const { kong, ctx, enter } = makeKong({ query: 'a=1&b=2', headers: { 'x-in': 'client' } })
    enter('access')
    kong.service.setTarget('other.test', 8080)
    kong.service.setTimeouts(1, 2, 3)
    const r = kong.service.request
    r.setScheme('https'); r.setPath('/new'); r.setMethod('put')
    r.clearQueryArg('a')
    expect(r.getQuery()).toEqual({ b: '2' })
    r.setQuery({ z: '1', y: ['2', '3'] })
    r.setHeader('X-One', '1'); r.addHeader('x-in', 'added'); r.clearHeader('x-gone'); r.setHeaders({ 'x-two': '2' }); r.setHeader('Host', 'h.test')
    r.setBody({ j: true }, 'application/json')
    r.enableBuffering()
    const u = ctx.upstream!
    expect([u.scheme, u.host, u.port, u.path, u.method, u.query]).toEqual(['https', 'other.test', 8080, '/new', 'PUT', 'y=2&y=3&z=1'])
    expect([u.connectTimeout, u.writeTimeout, u.readTimeout]).toEqual([1, 2, 3])
    expect(Object.fromEntries(u.headers!)).toEqual({ 'x-one': '1', 'x-in': ['client', 'added'], 'x-gone': null, 'x-two': '2', 'content-type': 'application/json; charset=utf-8' })
    expect(u.hostHeader).toBe('h.test')
    expect(String(u.body)).toBe('{"j":true}')
    expect(ctx.bufferResponse).toBe(true)
    r.setRawQuery('raw=1'); r.setRawBody(Buffer.from('raw'))
    expect([u.query, String(u.body)]).toEqual(['raw=1', 'raw'])
    expect(() => r.setPath('relative')).toThrow('path must start with /')
    expect(() => r.setBody({}, 'text/csv')).toThrow(/unsupported content type/)
  })
  it('reads the upstream response', () => {
    const { kong, ctx, enter } = makeKong()
    ctx.upstreamStatus = 202
    ctx.upstreamHeaders = [Buffer.from('Content-Type'), Buffer.from('application/json')]
    ctx.upstreamBody = Buffer.from('{"ok":1}')
    enter('response')
    const s = kong.service.response
    expect([s.getStatus(), s.getHeader('content-type'), s.getHeaders(), String(s.getRawBody())]).toEqual([202, 'application/json', { 'content-type': 'application/json' }, '{"ok":1}'])
    expect(s.getBody()[0]).toEqual({ ok: 1 })
  })
})

describe('kong.client, kong.router, kong.node, kong.ctx, kong.log', () => {
  it('client: ip, port, authenticate, consumer, credential', () => {
    const { kong, enter } = makeKong()
    enter('access')
    expect([kong.client.getIp(), kong.client.getForwardedIp(), kong.client.getPort()]).toEqual(['10.0.0.1', '10.0.0.1', 8000])
    const consumer = { id: 'c1', username: 'u', custom_id: null, tags: null }
    kong.client.authenticate(consumer, { id: 'cred' })
    expect(kong.client.getConsumer()).toBe(consumer)
    expect(kong.client.getCredential()).toEqual({ id: 'cred' })
    expect(() => kong.client.authenticate(null, null)).toThrow('either credential or consumer must be provided')
  })
  it('router and node', () => {
    const { kong, ctx, enter } = makeKong()
    enter('access')
    expect(kong.router.getRoute()).toBeNull()
    ctx.route = { id: 'r' } as never
    expect(kong.router.getRoute()).toEqual({ id: 'r' })
    expect(kong.node.getId()).toMatch(/^[0-9a-f-]{36}$/)
    expect(typeof kong.node.getHostname()).toBe('string')
  })
  it('ctx.shared is per request; ctx.plugin per plugin', () => {
    const { kong, ctx, enter } = makeKong()
    enter('access')
    kong.ctx.shared.a = 1
    expect(kong.ctx.shared.a).toBe(1)
    expect(makeKong().ctx.shared.a).toBeUndefined()
    ctx.currentPlugin = { name: 'one' } as never
    kong.ctx.plugin.x = 'one'
    ctx.currentPlugin = { name: 'two' } as never
    expect(kong.ctx.plugin.x).toBeUndefined()
  })
  // the first plugin's table is kept beside the others' Map: every order of asking gives each plugin its own, stable table
  it.each([
    [[0, 1, 0, 2, 1, 0]],
    [[1, 1, 0, 2, 2, 1]],
    [[2, 0, 1, 2, 0, 1, 2]],
    [[0, 0, 0]],
  ])('ctx.plugin tables by plugin, asked in order %j', (order) => {
    const { kong, ctx, enter } = makeKong()
    enter('access')
    const plugins = [{ name: 'a' }, { name: 'b' }, { name: 'c' }]
    const seen = new Map<number, Record<string, unknown>>()
    for (const [step, p] of order.entries()) {
      ctx.currentPlugin = plugins[p] as never
      const t = kong.ctx.plugin
      if (seen.has(p)) expect(t).toBe(seen.get(p))
      else {
        for (const other of seen.values()) expect(t).not.toBe(other)
        expect(Object.keys(t)).toEqual([])
        seen.set(p, t)
      }
      t[`step${step}`] = p
    }
    for (const [p, t] of seen) for (const v of Object.values(t)) expect(v).toBe(p)
    expect(makeKong().ctx.pluginStore(plugins[0] as never)).not.toBe(seen.get(0))
  })
  it("serialize gives Kong's record shape with setSerializeValue edits (set/add/replace, dotted keys)", () => {
    const { kong, ctx, enter } = makeKong({ query: 'q=1', headers: { authorization: 'secret' } })
    enter('access')
    kong.log.setSerializeValue('a.b\\.c', 1)
    kong.log.setSerializeValue('request.id', 'kept', { mode: 'add' })
    kong.log.setSerializeValue('nothere', 1, { mode: 'replace' })
    kong.log.setSerializeValue('request.method', 'EDITED', { mode: 'replace' })
    ctx.status = 200
    enter('log')
    const r = kong.log.serialize()
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['request', 'upstream_uri', 'response', 'latencies', 'tries', 'route', 'service', 'consumer', 'client_ip', 'started_at', 'source', 'workspace']))
    expect(r.request).toMatchObject({ uri: '/p?q=1', url: 'http://Example.TEST:8000/p?q=1', querystring: { q: '1' }, method: 'EDITED', id: ctx.requestId })
    expect(r.request.headers.authorization).toBe('REDACTED')
    expect(r.a).toEqual({ 'b.c': 1 })
    expect(r.nothere).toBeUndefined()
    expect(r.client_ip).toBe('10.0.0.1')
  })
  // the metrics accessors must give the very numbers of the record, proxied or not, body read or only announced
  it.each([
    { name: 'proxied, body read', body: '{"k":[1]}', headers: {}, proxy: [5, 12], end: 20, responseSize: 1388 },
    { name: 'proxied, no upstream head yet', body: '{}', headers: {}, proxy: [3, 0], end: 9, responseSize: 0 },
    { name: 'never proxied (an exit)', body: undefined, headers: { 'content-length': '42' }, proxy: [0, 0], end: 4, responseSize: 57 },
    { name: 'no body, no length', body: undefined, headers: {}, proxy: [0, 0], end: 0, responseSize: 0 },
    { name: 'a length that is no number', body: undefined, headers: { 'content-length': 'x' }, proxy: [0, 0], end: 1, responseSize: 3 },
  ] as { name: string; body: string | undefined; headers: Record<string, string>; proxy: number[]; end: number; responseSize: number }[])('getLatencies, getRequestSize, getResponseSize equal serialize()\'s fields ($name)', ({ body, headers, proxy, end, responseSize }) => {
    const { kong, ctx, enter } = makeKong({ headers, body })
    const t0 = ctx.start
    ctx.proxyStart = proxy[0]! > 0 ? t0 + proxy[0]! : 0
    ctx.upstreamHeadAt = proxy[1]! > 0 ? t0 + proxy[1]! : 0
    ctx.endAt = end > 0 ? t0 + end : 0
    ctx.responseSize = responseSize
    enter('log')
    const r = kong.log.serialize()
    if (end === 0) {
      // no end yet: both read the clock, so compare the fields that do not depend on it
      expect(kong.log.getLatencies().proxy).toBe(r.latencies.proxy)
    } else {
      expect(kong.log.getLatencies()).toEqual(r.latencies)
    }
    expect(kong.log.getRequestSize()).toEqual(r.request.size)
    expect(kong.log.getResponseSize()).toBe(r.response.size)
  })
})
