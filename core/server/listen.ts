// uWS's listen with its options argument, which the native binary takes but the pinned typings
// leave out. Without LIBUS_LISTEN_EXCLUSIVE_PORT uWS sets SO_REUSEPORT, and any other process of
// the same user may then bind the same port and receive part of the connections: only listeners
// that must share a port (proxy worker threads) go without it.
import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js'

/** LIBUS_LISTEN_EXCLUSIVE_PORT in uSockets: no SO_REUSEPORT on the listen socket. */
const LISTEN_EXCLUSIVE_PORT = 1

interface ListenWithOptions {
  listen(host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void): TemplatedApp
}

export function listen(app: TemplatedApp, host: string, port: number, shared: boolean, cb: (socket: us_listen_socket | false) => void): void {
  ;(app as TemplatedApp & ListenWithOptions).listen(host, port, shared ? 0 : LISTEN_EXCLUSIVE_PORT, cb)
}
