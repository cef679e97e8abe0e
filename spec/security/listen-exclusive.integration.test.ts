// uWS sets SO_REUSEPORT on a listen socket unless told otherwise; then any other process of the
// same user can bind the same port and the kernel hands it part of the connections (a local
// hijack of proxy traffic or Admin API calls). A single proxy listener and the Admin API keep their
// ports to themselves; only proxy worker threads share theirs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uws } from '../../core/server/uws.ts'
import { startGateway, type TestGateway } from '../../public/testing/gateway.ts'
import { closedPort } from '../../public/testing/upstream.ts'

let gw: TestGateway
beforeAll(async () => {
  // named ports, as an operator configures them (a port the kernel picked for port 0 is not shared)
  const [proxy, admin] = [await closedPort(), await closedPort()]
  gw = await startGateway('_format_version: "3.0"\n', { env: { KONG_PROXY_LISTEN: `127.0.0.1:${proxy}`, KONG_ADMIN_LISTEN: `127.0.0.1:${admin}` } })
})
afterAll(() => gw.close())

/** Whether a second uWS app (SO_REUSEPORT, as another uWS process would bind) gets the port. */
function canShare(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const app = uws.App()
    app.listen('127.0.0.1', port, (socket) => {
      if (socket) uws.us_listen_socket_close(socket)
      resolve(socket !== false)
    })
  })
}

describe('listen sockets are not shared with another process', () => {
  it.each(['proxy', 'admin'] as const)('the %s port of a one-thread gateway cannot be bound again with SO_REUSEPORT', async (which) => {
    const port = Number(new URL(gw[which]).port)
    expect(port).toBeGreaterThan(0)
    expect(await canShare(port)).toBe(false)
  })
})
