// Runs plugins in a real gateway in front of a fake upstream, in a few lines of a test (vitest or node --test):
//
//   const h = await pluginHarness({ plugins: [myPlugin], enable: [{ name: 'my-plugin', config: { header: 'x-hi' } }] })
//   const res = await h.request('/anything')
//   expect(res.headers['x-hi']).toBe('hi'); expect(h.upstream.received[0]!.headers['x-added']).toBe('1')
//   await h.close()
//
// The gateway serves one service (the fake upstream, which echoes the request as JSON unless a
// handler is given) with one route on `/`; `enable` lists plugin entities (global unless they
// name a route/service/consumer); `declarative` adds consumers, credentials or more entities.
import { request as undiciRequest } from 'undici'
import type { AnyPlugin } from '../../core/plugins/contract.ts'
import { startGateway, type TestGateway } from './gateway.ts'
import { startUpstream, type FakeUpstream, type Handler } from './upstream.ts'

export interface PluginEntityInput {
  name: string
  config?: Record<string, unknown>
  route?: string
  service?: string
  consumer?: string
  [field: string]: unknown
}

export interface HarnessOptions {
  /** plugin definitions to load besides the bundled ones */
  plugins?: AnyPlugin[]
  /** plugin modules to load by path (TypeScript definePlugin modules or kong-js-pdk modules) */
  pluginPaths?: string[]
  /** plugin entities to enable */
  enable?: PluginEntityInput[]
  /** extra declarative entities (consumers, keyauth_credentials, routes, services, ...) */
  declarative?: Record<string, unknown[]>
  /** fake upstream handler; default echoes method, url, headers and body as JSON */
  upstream?: Handler
  /** extra KONG_* settings */
  env?: Record<string, string>
}

export interface HarnessResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json<T = unknown>(): T
}

export interface PluginHarness {
  gateway: TestGateway
  upstream: FakeUpstream
  /** sends a request to the gateway's proxy port */
  request(path: string, init?: { method?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<HarnessResponse>
  close(): Promise<void>
}

export async function pluginHarness(opts: HarnessOptions = {}): Promise<PluginHarness> {
  const upstream = await startUpstream(opts.upstream)
  const extra = opts.declarative ?? {}
  const config = {
    _format_version: '3.0',
    ...extra,
    services: [{ name: 'harness', url: upstream.url, routes: [{ name: 'harness', paths: ['/'] }] }, ...(extra.services ?? [])],
    plugins: [
      ...(opts.enable ?? []).map(({ route, service, consumer, ...p }) => ({
        ...p,
        ...(route && { route }), ...(service && { service }), ...(consumer && { consumer }),
      })),
      ...(extra.plugins ?? []),
    ],
  }
  const env = { ...opts.env, ...(opts.pluginPaths?.length && { KONG_PLUGINS: ['bundled', ...opts.pluginPaths].join(',') }) }
  let gateway: TestGateway
  try {
    gateway = await startGateway(JSON.stringify(config), { plugins: opts.plugins, env })
  } catch (e) {
    await upstream.close()
    throw e
  }
  return {
    gateway,
    upstream,
    async request(path, init = {}) {
      const res = await undiciRequest(`${gateway.proxy}${path}`, { method: (init.method ?? 'GET') as 'GET', headers: init.headers, body: init.body })
      const text = await res.body.text()
      return { status: res.statusCode, headers: res.headers, text, json: <T>() => JSON.parse(text) as T }
    },
    async close() {
      await gateway.close()
      await upstream.close()
    },
  }
}
