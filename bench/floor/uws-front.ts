/**
 * The uWS half of the floor proxies (bench/floor/server.ts on undici, server-h1.ts on the gateway's H1 client): method,
 * path, headers (hop-by-hop left out) and the body under a cap, handed to `forward` once the body is complete. Shared so
 * the two floors differ by their upstream client only.
 */
import uWS from 'uWebSockets.js';

/** Hop-by-hop and framing headers neither side forwards. */
export const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade', 'expect']);
const MAX_BODY = 1 << 20; // one chat request is ~1 KB; the cap keeps a runaway client from growing memory

export interface FloorState { aborted: boolean; resume?: () => void }
export type Forward = (res: uWS.HttpResponse, state: FloorState, method: string, path: string, headers: string[], body: Buffer | null) => void;

export function serveFloor(port: number, forward: Forward): void {
  uWS.App().any('/*', (res, req) => {
    const state: FloorState = { aborted: false };
    res.onAborted(() => void (state.aborted = true));
    const method = req.getMethod().toUpperCase();
    const path = req.getUrl() + (req.getQuery() ? `?${req.getQuery()}` : '');
    const headers: string[] = [];
    req.forEach((k, v) => void (HOP.has(k) || headers.push(k, v)));
    const parts: Buffer[] = [];
    let size = 0;
    res.onData((ab, last) => {
      size += ab.byteLength;
      if (size > MAX_BODY) return void (state.aborted || ((state.aborted = true), res.cork(() => res.writeStatus('413 Payload Too Large').end())));
      parts.push(Buffer.from(ab.slice(0)));
      if (last && !state.aborted) forward(res, state, method, path, headers, size ? Buffer.concat(parts) : null);
    });
  }).listen('127.0.0.1', port, (s) => {
    if (!s) process.exit(1);
    process.stdout.write(`listening ${uWS.us_socket_local_port(s)}\n`);
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(0));
}
