/**
 * The floor: the least a uWS + undici proxy can do (method, path, headers and body forwarded to one upstream over a
 * keep-alive undici Pool, the answer streamed back with backpressure). It is the bench's reference for what uWS and
 * undici cost with nothing else; no routing, plugins or checks beyond a body cap.
 *   node --import tsx bench/floor/server.ts --port 0 --upstream http://127.0.0.1:8080   (prints `listening <port>`)
 */
import uWS from 'uWebSockets.js';
import { STATUS_CODES } from 'node:http';
import { parseArgs } from 'node:util';
import { HOP, serveFloor, type FloorState } from './uws-front.ts';
import { Pool, type Dispatcher } from 'undici';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' } } });
const pool = new Pool(values.upstream!, { connections: 256, pipelining: 1, keepAliveTimeout: 60_000 });

serveFloor(Number(values.port), forward);

// undici's classic dispatch callbacks (raw header Buffers, no Readable per response): the cheapest undici API, the
// one the gateway uses too, so the floor does not carry costs the gateway avoids.
function forward(res: uWS.HttpResponse, state: FloorState, method: string, path: string, headers: string[], body: Buffer | null): void {
  pool.dispatch({ method: method as 'POST', path, headers, body }, {
    onConnect: (abort: (e?: Error) => void) => void (state.aborted && abort()),
    onHeaders: (status: number, raw: Buffer[], resume: () => void) => {
      if (state.aborted) return true;
      state.resume = resume;
      res.cork(() => {
        res.writeStatus(`${status} ${STATUS_CODES[status] ?? ''}`);
        for (let i = 0; i < raw.length; i += 2) if (!HOP.has(raw[i].toString('latin1').toLowerCase())) res.writeHeader(raw[i], raw[i + 1]);
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
  } as Dispatcher.DispatchHandler);
}

