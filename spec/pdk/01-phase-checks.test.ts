// Every PDK function against Kong's phase table (kong/pdk/private/phases.lua): allowed phases work,
// the others fail with Kong's message and GW_ERR_PDK_PHASE.
import { describe, expect, it } from 'vitest'
import type { Kong } from '../../pdk/index.ts'
import type { PhaseName } from '../../core/runloop/phases.ts'
import { errors } from '../../core/errors.ts'
import { makeKong } from './context-factory.ts'

const PHASES: PhaseName[] = ['rewrite', 'access', 'response', 'header_filter', 'body_filter', 'log']
const REQ = PHASES
const RW_ACC_RESP: PhaseName[] = ['rewrite', 'access', 'response']
const RW_ACC: PhaseName[] = ['rewrite', 'access']
const SET_RESPONSE: PhaseName[] = ['rewrite', 'access', 'response', 'header_filter']
const READ_RESPONSE: PhaseName[] = ['response', 'header_filter', 'body_filter', 'log']
const AFTER_ACCESS: PhaseName[] = ['access', 'response', 'header_filter', 'body_filter', 'log']

const cases: [string, (k: Kong) => unknown, PhaseName[]][] = [
  ['request.getId', (k) => k.request.getId(), REQ],
  ['request.getScheme', (k) => k.request.getScheme(), REQ],
  ['request.getHost', (k) => k.request.getHost(), REQ],
  ['request.getPort', (k) => k.request.getPort(), REQ],
  ['request.getMethod', (k) => k.request.getMethod(), REQ],
  ['request.getPath', (k) => k.request.getPath(), REQ],
  ['request.getPathWithQuery', (k) => k.request.getPathWithQuery(), REQ],
  ['request.getRawQuery', (k) => k.request.getRawQuery(), REQ],
  ['request.getQuery', (k) => k.request.getQuery(), REQ],
  ['request.getQueryArg', (k) => k.request.getQueryArg('a'), REQ],
  ['request.getHeader', (k) => k.request.getHeader('a'), REQ],
  ['request.getHeaders', (k) => k.request.getHeaders(), REQ],
  ['request.getRawBody', (k) => k.request.getRawBody(), RW_ACC_RESP],
  ['request.getBody', (k) => k.request.getBody(), RW_ACC_RESP],
  ['response.getStatus', (k) => k.response.getStatus(), READ_RESPONSE],
  ['response.getHeader', (k) => k.response.getHeader('a'), READ_RESPONSE],
  ['response.getHeaders', (k) => k.response.getHeaders(), READ_RESPONSE],
  ['response.getSource', (k) => k.response.getSource(), READ_RESPONSE],
  ['response.setHeader', (k) => k.response.setHeader('a', 'b'), SET_RESPONSE],
  ['response.setHeaders', (k) => k.response.setHeaders({ a: 'b' }), SET_RESPONSE],
  ['response.addHeader', (k) => k.response.addHeader('a', 'b'), SET_RESPONSE],
  ['response.clearHeader', (k) => k.response.clearHeader('a'), SET_RESPONSE],
  ['response.exit', (k) => k.response.exit(200), SET_RESPONSE],
  ['response.error', (k) => k.response.error(500), SET_RESPONSE],
  ['service.setTarget', (k) => k.service.setTarget('h', 1), RW_ACC],
  ['service.setTimeouts', (k) => k.service.setTimeouts(1, 1, 1), ['access']],
  ['service.request.enableBuffering', (k) => k.service.request.enableBuffering(), RW_ACC],
  ['service.request.setScheme', (k) => k.service.request.setScheme('https'), RW_ACC],
  ['service.request.setPath', (k) => k.service.request.setPath('/x'), RW_ACC],
  ['service.request.setRawQuery', (k) => k.service.request.setRawQuery('a=1'), RW_ACC],
  ['service.request.setQuery', (k) => k.service.request.setQuery({ a: 1 }), RW_ACC],
  ['service.request.setMethod', (k) => k.service.request.setMethod('POST'), RW_ACC],
  ['service.request.setHeader', (k) => k.service.request.setHeader('a', 'b'), RW_ACC],
  ['service.request.setHeaders', (k) => k.service.request.setHeaders({ a: 'b' }), RW_ACC],
  ['service.request.addHeader', (k) => k.service.request.addHeader('a', 'b'), RW_ACC],
  ['service.request.clearHeader', (k) => k.service.request.clearHeader('a'), RW_ACC],
  ['service.request.setRawBody', (k) => k.service.request.setRawBody('x'), RW_ACC],
  ['service.request.setBody', (k) => k.service.request.setBody({ a: 1 }, 'application/json'), RW_ACC],
  ['service.response.getStatus', (k) => k.service.response.getStatus(), READ_RESPONSE],
  ['service.response.getHeader', (k) => k.service.response.getHeader('a'), READ_RESPONSE],
  ['service.response.getHeaders', (k) => k.service.response.getHeaders(), READ_RESPONSE],
  ['service.response.getRawBody', (k) => k.service.response.getRawBody(), READ_RESPONSE],
  ['service.response.getBody', (k) => k.service.response.getBody(), READ_RESPONSE],
  ['client.getIp', (k) => k.client.getIp(), REQ],
  ['client.getForwardedIp', (k) => k.client.getForwardedIp(), REQ],
  ['client.getPort', (k) => k.client.getPort(), REQ],
  ['client.getConsumer', (k) => k.client.getConsumer(), AFTER_ACCESS],
  ['client.getCredential', (k) => k.client.getCredential(), AFTER_ACCESS],
  ['client.authenticate', (k) => k.client.authenticate(null, { id: 'c' }), ['access']],
  ['ctx.shared', (k) => k.ctx.shared, REQ],
  ['ctx.plugin', (k) => k.ctx.plugin, REQ],
  ['log.setSerializeValue', (k) => k.log.setSerializeValue('a', 1), REQ],
  ['log.serialize', (k) => k.log.serialize(), ['log']],
  ['log.getLatencies', (k) => k.log.getLatencies(), ['log']],
  ['log.getRequestSize', (k) => k.log.getRequestSize(), ['log']],
  ['log.getResponseSize', (k) => k.log.getResponseSize(), ['log']],
  ['log.err', (k) => k.log.err('x'), REQ],
  ['router.getRoute', (k) => k.router.getRoute(), AFTER_ACCESS],
  ['router.getService', (k) => k.router.getService(), AFTER_ACCESS],
  ['node.getId', (k) => k.node.getId(), REQ],
  ['plugin.getId', (k) => k.plugin.getId(), REQ],
  ['node.getHostname', (k) => k.node.getHostname(), REQ],
  ['cache.get', (k) => k.cache.get('phase-test', null, () => 1), REQ],
  ['db.consumers.select', (k) => k.db.consumers.select('x'), REQ],
]

describe.each(cases)('%s', (_name, call, allowed) => {
  it.each(PHASES)('in %s', (phase) => {
    const { kong, enter } = makeKong()
    enter(phase)
    if (allowed.includes(phase)) {
      expect(() => call(kong)).not.toThrow()
      return
    }
    let err: { code?: string; message?: string } = {}
    try { call(kong) } catch (e) { err = e as typeof err }
    expect(err.code).toBe(errors.pdkPhase.code)
    expect(err.message).toMatch(new RegExp(`^function cannot be called in ${phase} phase \\(only in: [a-z_, ]+\\)$`))
  })
})

it("names the allowed phases in Kong's order", () => {
  const { kong, enter } = makeKong()
  enter('log')
  expect(() => kong.client.authenticate(null, {})).toThrow('function cannot be called in log phase (only in: access)')
  expect(() => kong.service.request.setHeader('a', 'b')).toThrow('function cannot be called in log phase (only in: rewrite, access, balancer)')
  enter('access')
  expect(() => kong.log.serialize()).toThrow('function cannot be called in access phase (only in: log)')
})
