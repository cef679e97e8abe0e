/**
 * For bench/micro/upstream-client-floor-ab.ts: bench/floor/server.ts with its undici Pool swapped for the gateway's
 * H1 client (core/proxy/h1-pool.ts), nothing else changed, so the two floors' CPU per request differ by the client.
 *
 * The floor: the least a uWS + undici proxy can do (method, path, headers and body forwarded to one upstream over a
 * keep-alive undici Pool, the answer streamed back with backpressure). It is the bench's reference for what uWS and
 * undici cost with nothing else; no routing, plugins or checks beyond a body cap.
 *   node --import tsx bench/floor/server.ts --port 0 --upstream http://127.0.0.1:8080   (prints `listening <port>`)
 */
import uWS from 'uWebSockets.js';
import { STATUS_CODES } from 'node:http';
import { parseArgs } from 'node:util';
import { H1Pool, type H1Handler } from '../../core/proxy/h1-pool.ts';
import { h1Request } from '../../core/proxy/h1-request.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' } } });
const up = new URL(values.upstream!);
const pool = new H1Pool(up.hostname, Number(up.port), { connectTimeout: 10_000 });
const HOST = up.host;
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade', 'expect']);
const MAX_BODY = 1 << 20; // one chat request is ~1 KB; the cap keeps a runaway client from growing memory

uWS.App().any('/*', (res, req) => {
  const state: { aborted: boolean; resume?: () => void } = { aborted: false };
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

// undici's classic dispatch callbacks (raw header Buffers, no Readable per response): the cheapest undici API, the
// one the gateway uses too, so the floor does not carry costs the gateway avoids.
function forward(res: uWS.HttpResponse, state: { aborted: boolean; resume?: () => void }, method: string, path: string, headers: string[], body: Buffer | null): void {
  headers.push('host', HOST); // undici adds it; the H1 client takes it from the caller, as the gateway passes it
  const req = h1Request(method, path, headers, body, 300_000, 300_000);
  if (req === null) return void (state.aborted || res.cork(() => res.writeStatus('502 Bad Gateway').end())); // one undici would refuse or handle itself
  pool.dispatch(req, {
    onConnect: (abort: (e?: Error) => void) => void (state.aborted && abort()),
    onHeaders: (status: number, raw: (string | Buffer)[], resume: () => void) => {
      if (state.aborted) return true;
      state.resume = resume;
      res.cork(() => {
        res.writeStatus(`${status} ${STATUS_CODES[status] ?? ''}`);
        for (let i = 0; i < raw.length; i += 2) if (!HOP.has(String(raw[i]).toLowerCase())) res.writeHeader(String(raw[i]), String(raw[i + 1]));
      });
      return true;
    },
    onData: (chunk: Buffer) => {
      if (state.aborted) return true;
      let ok = true;
      res.cork(() => void (ok = res.write(chunk)));
      if (!ok) res.onWritable(() => (state.resume?.(), true)); // backpressure: undici pauses until the client drains
      return ok;
    },
    onComplete: () => void (state.aborted || res.cork(() => res.end())),
    onError: () => void (state.aborted || res.cork(() => res.writeStatus('502 Bad Gateway').end())),
  } satisfies H1Handler);
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(0));
