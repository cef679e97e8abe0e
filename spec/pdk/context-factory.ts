// A RequestContext and its PDK without a server, for unit tests of PDK functions.
import { RequestContext } from '../../core/runloop/context.ts'
import { Phase, type PhaseName } from '../../core/runloop/phases.ts'
import { createPdk, type Kong } from '../../pdk/index.ts'

export function makeKong(init: { method?: string; path?: string; query?: string; headers?: Record<string, string>; body?: string } = {}): { kong: Kong; ctx: RequestContext; enter(phase: PhaseName): void } {
  const ctx = new RequestContext(init.method ?? 'GET', init.path ?? '/p', init.query ?? '', { host: 'Example.TEST:8000', ...init.headers }, '10.0.0.1', 8000, performance.now())
  if (init.body !== undefined) ctx.body = Buffer.from(init.body)
  ctx.upstream = {
    scheme: 'http', host: 'up.test', port: 80, method: ctx.method, path: '/up', query: ctx.rawQuery, headers: null, body: null,
    hostHeader: null, connectTimeout: 1000, readTimeout: 1000, writeTimeout: 1000, retries: 5, tlsVerify: null,
  }
  return { kong: createPdk(ctx), ctx, enter: (phase) => { ctx.phase = Phase[phase] } }
}
