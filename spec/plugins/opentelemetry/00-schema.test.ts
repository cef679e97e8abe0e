// opentelemetry config: Kong's defaults, field errors, the at-least-one entity check; and the
// runloop's timing hook, on only while a config enables a tracing plugin.
import { describe, expect, it } from 'vitest'
import { request } from 'undici'
import { PluginRegistry } from '../../../core/plugins/registry.ts'
import otel from '../../../plugins/opentelemetry/index.ts'
import type { AnyPlugin } from '../../../core/plugins/contract.ts'
import { startGateway } from '../../../public/testing/gateway.ts'
import { startUpstream } from '../../../public/testing/upstream.ts'
import * as hook from '../../../core/runloop/tracing-hook.ts'

const registry = new PluginRegistry([otel as AnyPlugin])
const check = (config: Record<string, unknown>) => registry.check('opentelemetry', config)
const ENDPOINT = 'http://collector:4318/v1/traces'

describe('opentelemetry schema', () => {
  it("fills Kong's defaults", () => {
    const r = check({ traces_endpoint: ENDPOINT })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value).toEqual({
      traces_endpoint: ENDPOINT, batch_span_count: 200, batch_flush_delay: 3, connect_timeout: 1000, send_timeout: 5000,
      read_timeout: 5000, header_type: 'preserve', propagation: { default_format: 'w3c' },
    })
  })

  it('needs an endpoint (Kong: traces_endpoint or logs_endpoint)', () => {
    const r = check({})
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(JSON.stringify(r.errors)).toContain("at least one of these fields must be non-empty: 'config.traces_endpoint', 'config.logs_endpoint'")
  })

  it.each([
    ['traces_endpoint', { traces_endpoint: 'collector:4318' }],
    ['sampling_rate', { sampling_rate: 1.5 }],
    ['sampling_rate', { sampling_rate: -0.1 }],
    ['batch_span_count', { batch_span_count: 0 }],
    ['header_type', { header_type: 'zipkin' }],
    ['propagation', { propagation: { default_format: 'w3c', extract: ['b3-single'] } }],
    ['propagation', { propagation: { default_format: 'preserve' } }],
    ['propagation', { propagation: { default_format: 'w3c', inject: ['nope'] } }],
    ['propagation', { propagation: { default_format: 'w3c', clear: ['bad header'] } }],
    ['headers', { headers: { 'bad header': 'x' } }],
    ['resource_attributes', { resource_attributes: { 'service.name': '' } }],
    ['connect_timeout', { connect_timeout: -1 }],
    ['unknown', { unknown: 1 }],
  ])('refuses a bad %s', (field, bad) => {
    const r = check({ traces_endpoint: ENDPOINT, ...bad })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(Object.keys(r.errors as Record<string, unknown>)).toContain(field)
  })

  it('accepts every Kong format', () => {
    const r = check({
      traces_endpoint: ENDPOINT, sampling_rate: 0.5,
      propagation: { extract: ['w3c', 'b3', 'jaeger', 'ot', 'datadog', 'aws', 'gcp'], inject: ['preserve', 'w3c', 'b3', 'b3-single', 'jaeger', 'ot', 'datadog', 'aws', 'gcp'], clear: ['x-b3-sampled'], default_format: 'b3-single' },
    })
    expect(r.ok).toBe(true)
  })
})

describe('the runloop timing hook', () => {
  it('is off without a tracing plugin, on with one, off again after a reload without it', async () => {
    const up = await startUpstream()
    const service = { name: 's', url: up.url, routes: [{ name: 'r', paths: ['/'] }] }
    const without = JSON.stringify({ _format_version: '3.0', services: [service] })
    const withOtel = JSON.stringify({ _format_version: '3.0', services: [service], plugins: [{ name: 'opentelemetry', config: { traces_endpoint: 'http://127.0.0.1:9/v1/traces', sampling_rate: 0 } }] })
    const gw = await startGateway(without)
    try {
      expect(gw.node.gateway.state.timing).toBe(false)
      const post = async (yaml: string) => {
        const res = await request(`${gw.admin}/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ config: yaml }) })
        await res.body.text()
        expect(res.statusCode).toBe(201)
      }
      await post(withOtel)
      expect(gw.node.gateway.state.timing).toBe(true)
      expect(hook.tracingOn).toBe(true)
      await post(without)
      expect(gw.node.gateway.state.timing).toBe(false)
    } finally {
      await gw.close()
      await up.close()
    }
  })
})
