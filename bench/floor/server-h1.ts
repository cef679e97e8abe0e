/**
 * For bench/micro/upstream-client-floor-ab.ts: the floor (bench/floor/server.ts) with its undici Pool swapped for the
 * gateway's H1 client (core/proxy/h1-pool.ts); the uWS side is the same module (./uws-front.ts), so the two floors'
 * CPU per request differ by the client only.
 *   node --import tsx bench/floor/server-h1.ts --port 0 --upstream http://127.0.0.1:8080   (prints `listening <port>`)
 */
import uWS from 'uWebSockets.js';
import { STATUS_CODES } from 'node:http';
import { parseArgs } from 'node:util';
import { HOP, serveFloor, type FloorState } from './uws-front.ts';
import { H1Pool, type H1Handler } from '../../core/proxy/h1-pool.ts';
import { h1Request } from '../../core/proxy/h1-request.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' } } });
const up = new URL(values.upstream!);
const pool = new H1Pool(up.hostname, Number(up.port), { connectTimeout: 10_000 });
const HOST = up.host;

serveFloor(Number(values.port), forward);

// The H1 client's handler has undici's classic dispatch callbacks, as the gateway drives it.
function forward(res: uWS.HttpResponse, state: FloorState, method: string, path: string, headers: string[], body: Buffer | null): void {
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

