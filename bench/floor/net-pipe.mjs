/**
 * The lowest floor a Node proxy can have: each client socket piped byte for byte to its own upstream socket, no
 * HTTP parsing, no routing, no allocation of its own. At concurrency 1 it shows what Node's event loop and two
 * sockets cost on this machine, a bound the gateway is not expected to beat (measured 2026-12-07, pinned as the bench pins:
 * pipe on CPU 0, mock and wrk on CPU 1; p99 0.65-1.65 ms in four runs of 5-6 s, against nginx's added 207-372 µs in bench runs that day,
 * the gateway's 550-1,018 µs). Plain JavaScript, so it runs without tsx, whose loader thread adds to the tail.
 *
 *   taskset -c 1 node --import tsx bench/mock/server.ts --port 8080 &
 *   taskset -c 0 node --max-semi-space-size=8 bench/floor/net-pipe.mjs --port 8090 --upstream 8080 &
 *   taskset -c 1 wrk -t1 -c1 -d6s --latency -s bench/load/post.lua http://127.0.0.1:8090/v1/chat/completions \
 *     -- POST body.json "Authorization: Bearer x" "Content-Type: application/json"
 */
import { connect, createServer } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8090' }, upstream: { type: 'string', default: '8080' } } });

createServer((client) => {
  client.setNoDelay(true);
  const upstream = connect({ host: '127.0.0.1', port: Number(values.upstream), noDelay: true });
  client.on('data', (d) => upstream.write(d));
  upstream.on('data', (d) => client.write(d));
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
  client.on('error', () => {});
  upstream.on('error', () => {});
}).listen(Number(values.port), '127.0.0.1', () => console.log(`listening ${values.port}`));
