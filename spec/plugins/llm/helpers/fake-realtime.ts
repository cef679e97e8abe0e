// A fake OpenAI/Azure Realtime server (the `ws` package on 127.0.0.1): it records each handshake
// (path, query, headers) and answers the events a session needs: session.created on connect,
// session.updated for session.update, and response.created → a text delta → response.done with
// `usage` for response.create. `{"type":"test.close","code":n}` makes it close with that code,
// `{"type":"test.drop"}` makes it drop the connection without a close frame.
import { WebSocketServer, type WebSocket } from 'ws'
import type { IncomingMessage } from 'node:http'

export const REALTIME_USAGE = { total_tokens: 30, input_tokens: 10, output_tokens: 20, input_token_details: { cached_tokens: 0, text_tokens: 10, audio_tokens: 0 }, output_token_details: { text_tokens: 20, audio_tokens: 0 } }

export interface Handshake {
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
}

export interface FakeRealtime {
  url: string
  port: number
  handshakes: Handshake[]
  /** the server side of each session, in connection order */
  sockets: WebSocket[]
  /** resolves with the close code the server side of session `i` saw */
  closed(i: number): Promise<number>
  close(): Promise<void>
}

export async function startFakeRealtime(accept: (h: Handshake) => boolean = () => true): Promise<FakeRealtime> {
  const handshakes: Handshake[] = []
  const sockets: WebSocket[] = []
  const closes: Promise<number>[] = []
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    verifyClient: (info, cb) => {
      const u = new URL(info.req.url ?? '/', 'http://x')
      const h = { path: u.pathname, query: u.searchParams, headers: info.req.headers }
      handshakes.push(h)
      if (accept(h)) cb(true)
      else cb(false, 401, 'Unauthorized', { 'content-type': 'application/json' })
    },
  })
  wss.on('connection', (ws) => {
    sockets.push(ws)
    closes.push(new Promise((resolve) => ws.on('close', (code) => resolve(code))))
    const send = (e: Record<string, unknown>) => ws.send(JSON.stringify(e))
    send({ type: 'session.created', event_id: 'ev_1', session: { id: 'sess_1', object: 'realtime.session', model: 'gpt-4o-realtime-preview-2024-12-17' } })
    ws.on('message', (data, isBinary) => {
      if (isBinary) return void ws.send(data, { binary: true }) // binary echoes as binary
      let e: Record<string, any>
      try { e = JSON.parse(String(data)) } catch { return }
      if (e.type === 'session.update') send({ type: 'session.updated', event_id: 'ev_2', session: { id: 'sess_1', ...e.session } })
      else if (e.type === 'response.create') {
        send({ type: 'response.created', event_id: 'ev_3', response: { id: 'resp_1', object: 'realtime.response', status: 'in_progress' } })
        send({ type: 'response.output_text.delta', event_id: 'ev_4', response_id: 'resp_1', item_id: 'item_1', output_index: 0, content_index: 0, delta: 'Hello' })
        send({ type: 'response.done', event_id: 'ev_5', response: { id: 'resp_1', object: 'realtime.response', status: 'completed', usage: REALTIME_USAGE } })
      } else if (e.type === 'test.close') ws.close(e.code, 'bye')
      else if (e.type === 'test.drop') ws.terminate()
      else if (e.type === 'test.echo') ws.send(data, { binary: false })
    })
  })
  await new Promise<void>((resolve) => wss.on('listening', resolve))
  const port = (wss.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    handshakes,
    sockets,
    closed: (i) => closes[i]!,
    close: () => new Promise<void>((resolve) => {
      for (const s of wss.clients) s.terminate()
      wss.close(() => resolve())
    }),
  }
}
