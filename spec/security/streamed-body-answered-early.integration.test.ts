// A request answered before its body was read (a plugin's exit, an AI route refusing an upload
// past client_body_buffer_size) while the client is still sending: the rest of the body arrives
// after the response ended. It must be dropped quietly: touching the finished uWS response, or an
// 'error' event on a body stream nobody reads, would throw out of the uWS callback and end the
// worker (vitest reports that as an uncaught exception, failing the run).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { startUpstream, type FakeUpstream } from '../../public/testing/upstream.ts'

let gw: TestGateway
let up: FakeUpstream
const BUFFER = 64 * 1024

beforeAll(async () => {
  up = await startUpstream()
  const config = {
    _format_version: '3.0',
    services: [{ name: 's', url: up.url, routes: [{ name: 'stop', paths: ['/stop'] }, { name: 'files', paths: ['/files'] }, { name: 'open', paths: ['/open'] }] }],
    plugins: [
      { name: 'request-termination', route: 'stop', config: { status_code: 403, message: 'no' } },
      { name: 'ai-proxy', route: 'files', config: { route_type: 'llm/v1/files', auth: { header_name: 'x-goog-api-key', header_value: 'k' },
        model: { provider: 'gemini', name: 'gemini-2.5-flash', options: { upstream_url: up.url } } } },
    ],
  }
  gw = await startGateway(JSON.stringify(config), { settings: { clientBodyBufferSize: BUFFER } })
})

afterAll(async () => {
  await gw?.close()
  await up?.close()
})

describe('bodies past the buffer on requests answered early', () => {
  it.each([
    ['/stop', BUFFER + 1, 403], ['/stop', 4 * BUFFER, 403], ['/stop', 40 * BUFFER, 403],
    ['/files/files', BUFFER + 1, 400], ['/files/files', 16 * BUFFER, 400],
  ])('POST %s with %i bytes → %i, and the gateway serves the next request', async (path, size, status) => {
    const res = await request(`${gw.proxy}${path}`, {
      method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: Buffer.alloc(size, 0x61),
    }).catch(() => null) // the gateway may close the connection before the client finished sending
    if (res !== null) {
      expect(res.statusCode).toBe(status)
      await res.body.dump()
    }
    const next = await request(`${gw.proxy}/open`)
    await next.body.dump()
    expect(next.statusCode).toBe(200)
  })
})
