/**
 * Soak load generator: POSTs one request at a fixed rate over a keep-alive undici Pool (open loop, see
 * rate-schedule.ts) and prints one JSON line per second: {"t":s,"sent":n,"done":n,"errors":n,"p50Us":…,"p99Us":…,
 * "inFlight":n,"firstError":…}. Run on the load core by bench/soak/run-soak.ts.
 *   node --import tsx bench/soak/load-gen.ts --url http://127.0.0.1:8000/path --rate 5000 --seconds 600 --spec spec.json
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import type { RequestSpec } from '../scenarios/types.ts';
import { dueAtMs, dueNow, percentile } from './rate-schedule.ts';

const { values } = parseArgs({ options: { url: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' }, spec: { type: 'string' } } });
const url = new URL(values.url!);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const spec = JSON.parse(readFileSync(values.spec!, 'utf8')) as RequestSpec;
// Enough connections for the rate at a few ms of latency; more in flight than MAX_IN_FLIGHT counts as an error
// (the gateway is not keeping up) instead of growing this process without bound.
const pool = new Pool(url.origin, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 });
const MAX_IN_FLIGHT = 4096;

let sent = 0;
let inFlight = 0;
let bucket = { done: 0, errors: 0, latUs: [] as number[], firstError: undefined as string | undefined };
const start = performance.now();

function fail(why: string): void {
  bucket.errors++;
  bucket.firstError ??= why;
}

function send(i: number): void {
  const due = start + dueAtMs(i, rate);
  inFlight++;
  pool.request({ method: spec.method, path: url.pathname + url.search, headers: spec.headers, body: spec.body }).then(
    async ({ statusCode, body }) => {
      await body.dump();
      inFlight--;
      bucket.done++;
      bucket.latUs.push((performance.now() - due) * 1000);
      if (statusCode >= 400) fail(`status ${statusCode}`);
    },
    (err: Error) => {
      inFlight--;
      bucket.done++;
      fail(err.message);
    },
  );
}

function tick(): void {
  const elapsed = performance.now() - start;
  if (second >= seconds) return; // stop with the last report, so every reported second is a full one
  for (let n = dueNow(elapsed, rate, sent); n > 0; n--, sent++) {
    if (inFlight >= MAX_IN_FLIGHT) fail(`more than ${MAX_IN_FLIGHT} requests in flight`);
    else send(sent);
  }
  setTimeout(tick, 1);
}

let second = 0;
let sentBefore = 0;
const report = setInterval(() => {
  const b = bucket;
  bucket = { done: 0, errors: 0, latUs: [], firstError: undefined };
  second++;
  process.stdout.write(`${JSON.stringify({ t: second, sent: sent - sentBefore, done: b.done, errors: b.errors, p50Us: percentile(b.latUs, 50),
    p99Us: percentile(b.latUs, 99), inFlight, firstError: b.firstError })}\n`);
  sentBefore = sent;
  if (second >= seconds) {
    clearInterval(report);
    void pool.close().finally(() => process.exit(0));
  }
}, 1000);
tick();
