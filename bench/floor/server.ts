/**
 * The floor: the least a uWS + undici proxy can do (method, path, headers and body forwarded to one upstream over a
 * keep-alive undici Pool, the answer streamed back with backpressure). It is the bench's reference for what uWS and
 * undici cost with nothing else; no routing, plugins or checks beyond a body cap.
 *   node --import tsx bench/floor/server.ts --port 0 --upstream http://127.0.0.1:8080   (prints `listening <port>`)
 */
import uWS from 'uWebSockets.js';
import { STATUS_CODES } from 'node:http';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' } } });
const pool = new Pool(values.upstream!, { connections: 256, pipelining: 1, keepAliveTimeout: 60_000 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade', 'expect']);
const MAX_BODY = 1 << 20; // one chat request is ~1 KB; the cap keeps a runaway client from growing memory

uWS.App().any('/*', (res, req) => {
  const state = { aborted: false };
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
}).listen('127.0.0.1', Number(values.port), (s) => {
  if (!s) process.exit(1);
  process.stdout.write(`listening ${uWS.us_socket_local_port(s)}\n`);
});

function forward(res: uWS.HttpResponse, state: { aborted: boolean }, method: string, path: string, headers: string[], body: Buffer | null): void {
  pool.request({ method: method as 'POST', path, headers, body }).then(({ statusCode, headers: h, body: up }) => {
    up.on('error', () => state.aborted || res.close()); // first: destroy() below emits UND_ERR_ABORTED
    if (state.aborted) return void up.destroy();
    res.cork(() => {
      res.writeStatus(`${statusCode} ${STATUS_CODES[statusCode] ?? ''}`);
      for (const [k, v] of Object.entries(h)) if (!HOP.has(k) && v !== undefined) for (const x of [v].flat()) res.writeHeader(k, x);
    });
    up.on('data', (chunk: Buffer) => {
      if (state.aborted) return void up.destroy();
      let ok = true;
      res.cork(() => void (ok = res.write(chunk)));
      if (!ok) (up.pause(), res.onWritable(() => (up.resume(), true))); // backpressure: wait for the client to drain
    });
    up.on('end', () => state.aborted || res.cork(() => res.end()));
  }, () => state.aborted || res.cork(() => res.writeStatus('502 Bad Gateway').end()));
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(0));
