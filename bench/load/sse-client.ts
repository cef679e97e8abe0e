/**
 * SSE load client on raw sockets: `streams` keep-alive connections, each posting a streaming request again as soon
 * as the previous stream ends, for `durationMs`. Measures time to first byte (first body byte of the stream, so a
 * gateway that sends its head early but holds the events is not flattered), events/s, streams/s, and counts
 * non-2xx answers and socket errors. An event is a blank-line-terminated SSE block (`\n\n`).
 *
 *   node --import tsx bench/load/sse-client.ts '<SseOptions as JSON>'   → prints an SseRun as JSON
 *   node --import tsx bench/load/sse-client.ts --serve                  → one SseOptions JSON line in on stdin,
 *                                                                         one SseRun JSON line out, until EOF
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Body, SseAnswer } from './sse-answer.ts';

export interface SseOptions {
  host: string;
  port: number;
  path: string;
  headers: Record<string, string>;
  body: string;
  streams: number;
  durationMs: number;
}

export interface SseRun {
  streams: number;
  events: number;
  seconds: number;
  streamsPerSec: number;
  eventsPerSec: number;
  ttfbP50Us: number;
  ttfbP99Us: number;
  non2xx: number;
  firstBadAnswer?: string;
  socketErrors: number;
  firstSocketError?: string;
  /** Streams cut before their end (socket closed mid-answer, or still running at the hard stop). */
  incomplete: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function runSseLoad(o: SseOptions): Promise<SseRun> {
  const body = Buffer.from(o.body);
  const head = [`POST ${o.path} HTTP/1.1`, `Host: ${o.host}:${o.port}`, `Content-Length: ${body.length}`,
    ...Object.entries(o.headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  const request = Buffer.concat([Buffer.from(head + '\r\n\r\n'), body]);

  let ttfb = new Float64Array(1 << 14);
  let nTtfb = 0;
  const r: SseRun = { streams: 0, events: 0, seconds: 0, streamsPerSec: 0, eventsPerSec: 0, ttfbP50Us: NaN, ttfbP99Us: NaN,
    non2xx: 0, socketErrors: 0, incomplete: 0 };
  const start = performance.now();
  const stopAt = start + o.durationMs;
  const sockets = new Set<Socket>();
  let open = 0;

  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(hardStop);
      for (const s of sockets) s.destroy();
      r.seconds = (performance.now() - start) / 1000;
      r.streamsPerSec = r.streams / r.seconds;
      r.eventsPerSec = r.events / r.seconds;
      const sorted = ttfb.slice(0, nTtfb).sort();
      r.ttfbP50Us = percentile(sorted, 50);
      r.ttfbP99Us = percentile(sorted, 99);
      resolve(r);
    };
    const hardStop = setTimeout(() => {
      r.incomplete += open;
      open = 0;
      finish();
    }, o.durationMs + 15000);

    const loop = (): void => {
      const sock = connect(o.port, o.host);
      sock.setNoDelay(true);
      sockets.add(sock);
      let answer: SseAnswer | null = null;
      let sentAt = 0;
      const send = (): void => {
        if (performance.now() >= stopAt) {
          sockets.delete(sock);
          sock.end();
          if (--open === 0) finish();
          return;
        }
        answer = new SseAnswer();
        sentAt = performance.now();
        sock.write(request);
      };
      sock.on('connect', send);
      sock.on('data', (buf: Buffer) => {
        if (!answer || !answer.feed(buf)) return;
        const a = answer;
        answer = null;
        if (a.status < 200 || a.status >= 300) {
          r.non2xx++;
          r.firstBadAnswer ??= `${a.status} ${a.bodyText.slice(0, 200)}`;
        } else {
          r.streams++;
          r.events += a.events;
          if (nTtfb === ttfb.length) {
            const bigger = new Float64Array(ttfb.length * 2);
            bigger.set(ttfb);
            ttfb = bigger;
          }
          ttfb[nTtfb++] = (a.firstByteAt - sentAt) * 1000;
        }
        send();
      });
      sock.on('error', (err) => {
        r.socketErrors++;
        r.firstSocketError ??= err.message;
      });
      sock.on('close', () => {
        if (!sockets.delete(sock)) return;
        if (answer) {
          // An answer without length ends at close; anything else was cut.
          if (answer.mode === Body.UntilClose && answer.status >= 200 && answer.status < 300) (r.streams++), (r.events += answer.events);
          else r.incomplete++;
          answer = null;
        }
        if (performance.now() < stopAt) setTimeout(loop, 5);
        else if (--open === 0) finish();
      });
    };
    for (let i = 0; i < o.streams; i++) {
      open++;
      loop();
    }
  });
}

async function serve(): Promise<void> {
  let buf = '';
  for await (const chunk of process.stdin) {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) process.stdout.write(JSON.stringify(await runSseLoad(JSON.parse(line) as SseOptions)) + '\n');
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--serve') void serve();
  else
    void runSseLoad(JSON.parse(process.argv[2]) as SseOptions).then((r) => {
      process.stdout.write(JSON.stringify(r) + '\n');
      process.exit(0);
    });
}
