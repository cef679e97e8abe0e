/**
 * Mock LLM upstream on uWebSockets.js, answering like the real APIs:
 *   POST /v1/chat/completions  OpenAI chat completion (1,388 B JSON + 14 headers), or SSE when the body has "stream":true
 *   POST /v1/messages          Anthropic message JSON, or its SSE event stream
 *   POST /v1/embeddings        OpenAI embeddings list
 *   GET  /                     small JSON
 * Streams send `chunks` events with `gap_ms` between them (0 = all at once). Defaults come from the command line;
 * a request may override them with the headers x-mock-chunks / x-mock-gap-ms or the query chunks= / gap_ms=.
 * A chat or messages request without an API key (Authorization: Bearer … / x-api-key) gets a 401, so a gateway
 * that fails to add the key shows up as non-2xx in the bench.
 *
 *   node --import tsx bench/mock/server.ts --port 0 [--chunks 20] [--gap-ms 1] [--host 127.0.0.1]
 * prints `listening <port>` once ready.
 */
import uWS from 'uWebSockets.js';
import { parseArgs } from 'node:util';
import { OPENAI_CHAT_JSON, OPENAI_EMBEDDINGS_JSON, openaiHeaders, openaiStreamEvents } from './openai-answers.ts';
import { ANTHROPIC_MESSAGE_JSON, anthropicHeaders, anthropicStreamEvents } from './anthropic-answers.ts';

/**
 * A header list folded into one writeHeader call: uWS writes `name: value\r\n` verbatim, so the value may carry
 * the following header lines. One native call instead of 14 keeps the mock cheap (it shares a core with wrk).
 */
type Head = [Buffer, Buffer];
function fold(headers: [string, string][]): Head {
  const [first, ...rest] = headers;
  return [Buffer.from(first[0]), Buffer.from([first[1], ...rest.map(([k, v]) => `${k}: ${v}`)].join('\r\n'))];
}

interface Api {
  json: Buffer;
  jsonHeaders: Head;
  sseHeaders: Head;
  events: (n: number) => Buffer[];
  hasKey: (req: uWS.HttpRequest) => boolean;
  unauthorized: string;
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    chunks: { type: 'string', default: '20' },
    'gap-ms': { type: 'string', default: '0' },
  },
});
const DEFAULT_CHUNKS = Number(values.chunks);
const DEFAULT_GAP_MS = Number(values['gap-ms']);
const SSE = 'text/event-stream; charset=utf-8';
const JSON_ONLY: Head = fold([['content-type', 'application/json']]);

const OPENAI: Api = {
  json: OPENAI_CHAT_JSON,
  jsonHeaders: fold(openaiHeaders('application/json')),
  sseHeaders: fold(openaiHeaders(SSE)),
  events: memo(openaiStreamEvents),
  hasKey: (req) => req.getHeader('authorization').startsWith('Bearer '),
  unauthorized: '{"error":{"message":"Missing bearer authentication in header","type":"invalid_request_error","param":null,"code":null}}',
};
const ANTHROPIC: Api = {
  json: ANTHROPIC_MESSAGE_JSON,
  jsonHeaders: fold(anthropicHeaders('application/json')),
  sseHeaders: fold(anthropicHeaders(SSE)),
  events: memo(anthropicStreamEvents),
  hasKey: (req) => req.getHeader('x-api-key') !== '',
  unauthorized: '{"type":"error","error":{"type":"authentication_error","message":"x-api-key header is required"}}',
};

function memo(build: (n: number) => Buffer[]): (n: number) => Buffer[] {
  const cache = new Map<number, Buffer[]>();
  return (n) => {
    let v = cache.get(n);
    if (!v) cache.set(n, (v = build(n)));
    return v;
  };
}

const bursts = new Map<Buffer[], Buffer>();
function burstOf(events: Buffer[]): Buffer {
  let b = bursts.get(events);
  if (!b) bursts.set(events, (b = Buffer.concat(events)));
  return b;
}

function writeHead(res: uWS.HttpResponse, status: string, head: Head): void {
  if (status !== '200 OK') res.writeStatus(status);
  res.writeHeader(head[0], head[1]);
}

/**
 * Reads the whole request body, then calls `done` (never after an abort). A one-piece body is passed as a view
 * of uWS's buffer, valid only during `done`.
 */
function readBody(res: uWS.HttpResponse, state: { aborted: boolean }, done: (body: Buffer) => void): void {
  const parts: Buffer[] = [];
  res.onData((ab, isLast) => {
    if (!isLast) return void parts.push(Buffer.from(new Uint8Array(ab)));
    if (state.aborted) return;
    done(parts.length === 0 ? Buffer.from(ab) : Buffer.concat([...parts, Buffer.from(new Uint8Array(ab))]));
  });
}

/** Whether the JSON body asks for a stream (`"stream":true`, with or without spaces). */
function wantsStream(body: Buffer): boolean {
  const at = body.indexOf('"stream"');
  if (at < 0) return false;
  for (let i = at + 8; i < body.length && i < at + 24; i++) {
    const c = body[i];
    if (c === 0x74) return true; // t(rue)
    if (c !== 0x20 && c !== 0x3a && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return false;
}

function serveLlm(api: Api) {
  return (res: uWS.HttpResponse, req: uWS.HttpRequest): void => {
    const state = { aborted: false, timer: undefined as NodeJS.Timeout | undefined };
    res.onAborted(() => {
      state.aborted = true;
      clearTimeout(state.timer);
    });
    const keyOk = api.hasKey(req);
    const chunks = Number(req.getHeader('x-mock-chunks') || req.getQuery('chunks') || DEFAULT_CHUNKS);
    const gapMs = Number(req.getHeader('x-mock-gap-ms') || req.getQuery('gap_ms') || DEFAULT_GAP_MS);
    readBody(res, state, (body) => {
      if (!keyOk) {
        res.cork(() => {
          writeHead(res, '401 Unauthorized', JSON_ONLY);
          res.end(api.unauthorized);
        });
        return;
      }
      if (!wantsStream(body)) {
        res.cork(() => {
          writeHead(res, '200 OK', api.jsonHeaders);
          res.end(api.json);
        });
        return;
      }
      const events = api.events(chunks);
      if (gapMs <= 0) {
        res.cork(() => {
          writeHead(res, '200 OK', api.sseHeaders);
          res.write(burstOf(events));
          res.end();
        });
        return;
      }
      let i = 0;
      const next = (): void => {
        state.timer = undefined;
        if (state.aborted) return;
        res.cork(() => {
          if (i === 0) writeHead(res, '200 OK', api.sseHeaders);
          if (i === events.length - 1) res.end(events[i]);
          else res.write(events[i]);
        });
        if (++i < events.length) state.timer = setTimeout(next, gapMs);
      };
      next();
    });
  };
}

function serveStatic(body: Buffer | string, headers: Head, hasBody: boolean) {
  const answer = (res: uWS.HttpResponse): void =>
    void res.cork(() => {
      writeHead(res, '200 OK', headers);
      res.end(body);
    });
  return (res: uWS.HttpResponse): void => {
    if (!hasBody) return answer(res);
    const state = { aborted: false };
    res.onAborted(() => void (state.aborted = true));
    readBody(res, state, () => answer(res));
  };
}

const app = uWS.App()
  .post('/v1/chat/completions', serveLlm(OPENAI))
  .post('/v1/messages', serveLlm(ANTHROPIC))
  .post('/v1/embeddings', serveStatic(OPENAI_EMBEDDINGS_JSON, fold(openaiHeaders('application/json')), true))
  .get('/', serveStatic('{"status":"ok","service":"tollgate-bench-mock"}', JSON_ONLY, false))
  // an OTLP/HTTP collector that accepts every batch (an empty ExportTraceServiceResponse): the 404 below answered
  // before reading the body, so each export failed and its connection was closed, a cost no real collector imposes
  .post('/v1/traces', serveStatic('', fold([['content-type', 'application/x-protobuf']]), true))
  .any('/*', (res) => {
    res.cork(() => {
      writeHead(res, '404 Not Found', JSON_ONLY);
      res.end('{"error":{"message":"mock: no such endpoint"}}');
    });
  });

app.listen(values.host!, Number(values.port), (socket) => {
  if (!socket) {
    process.stderr.write(`mock: cannot listen on ${values.host}:${values.port}\n`);
    process.exit(1);
  }
  process.stdout.write(`listening ${uWS.us_socket_local_port(socket)}\n`);
});

for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(0));
