// A fake Gemini Live server (BidiGenerateContent over the `ws` package on 127.0.0.1): it records
// each handshake (path, query, headers) and each client message, answers `setup` with
// `setupComplete` and each `clientContent` turn with a model turn and then `turnComplete` with
// `usageMetadata`. Like Google's server it sends its JSON in binary frames (the usage message in
// a text frame, so both kinds are covered).
import { WebSocketServer } from 'ws'
import type { IncomingMessage } from 'node:http'

export const LIVE_USAGE = { promptTokenCount: 7, responseTokenCount: 5, totalTokenCount: 12 }

export interface LiveHandshake {
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  /** the client messages of this session, parsed, in order */
  messages: Record<string, any>[]
  /** the same messages as they arrived */
  raw: string[]
}

export interface FakeGeminiLive {
  url: string
  port: number
  handshakes: LiveHandshake[]
  close(): Promise<void>
}

export async function startFakeGeminiLive(): Promise<FakeGeminiLive> {
  const handshakes: LiveHandshake[] = []
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  wss.on('connection', (ws, req) => {
    const u = new URL(req.url ?? '/', 'http://x')
    const h: LiveHandshake = { path: u.pathname, query: u.searchParams, headers: req.headers, messages: [], raw: [] }
    handshakes.push(h)
    const sendBinary = (m: unknown) => ws.send(Buffer.from(JSON.stringify(m)), { binary: true })
    ws.on('message', (data) => {
      h.raw.push(String(data))
      let m: Record<string, any>
      try { m = JSON.parse(String(data)) } catch { return }
      h.messages.push(m)
      if (m.setup) sendBinary({ setupComplete: {} })
      else if (m.clientContent) {
        sendBinary({ serverContent: { modelTurn: { role: 'model', parts: [{ text: 'Hello' }] } } })
        ws.send(JSON.stringify({ serverContent: { turnComplete: true }, usageMetadata: LIVE_USAGE }))
      }
    })
  })
  await new Promise<void>((resolve) => wss.on('listening', resolve))
  const port = (wss.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    handshakes,
    close: () => new Promise<void>((resolve) => {
      for (const s of wss.clients) s.terminate()
      wss.close(() => resolve())
    }),
  }
}
