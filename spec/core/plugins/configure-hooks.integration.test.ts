import { afterAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { Type } from 'typebox'
import { definePlugin, type AnyPlugin } from '../../../core/plugins/contract.ts'
import { startGateway, type TestGateway } from '../../../public/testing/gateway.ts'

const seen: { initWorker: number; configure: (readonly unknown[] | null)[] } = { initWorker: 0, configure: [] }
const hooks = definePlugin({
  name: 'test-hooks',
  version: '1.0.0',
  priority: 10,
  schema: Type.Object({ tag: Type.String({ default: 'x' }) }),
  init_worker() { seen.initWorker++ },
  configure(_kong, configs) { seen.configure.push(configs) },
}) as AnyPlugin

let gw: TestGateway
afterAll(async () => { await gw.close() })

describe('init_worker and configure', () => {
  it('runs init_worker once and configure with every enabled config after each load', async () => {
    gw = await startGateway(`_format_version: "3.0"\nplugins:\n  - name: test-hooks\n    config: { tag: a }\n`, { plugins: [hooks] })
    expect(seen.initWorker).toBe(1)
    expect(seen.configure.at(-1)).toEqual([{ tag: 'a' }])
    const res = await request(`${gw.admin}/config`, { method: 'POST', body: '_format_version: "3.0"\n', headers: { 'content-type': 'text/yaml' } })
    expect(res.statusCode).toBe(201)
    await res.body.dump()
    expect(seen.configure.at(-1)).toBeNull()
    expect(seen.initWorker).toBe(1)
  })
})
