/**
 * SSE framing of a streamed OpenAI answer: plugins/llm/transcoders/sse.ts `SseFramer` and the OpenAI passthrough
 * stream transcoder built on it (plugins/llm/transcoders/openai-passthrough.ts: frames, then text/usage/finish
 * bookkeeping; for an OpenAI client the events are scanned on their bytes, openai-chunk-scan.ts, and only the usage
 * event is parsed; the 'parse every event' rows give it a sink that is not verbatim, which JSON.parses each). One op = one whole 20-event stream (role, 16 deltas, finish, usage, [DONE], the
 * mock upstream's bytes), fed as one chunk and as 64-byte pieces (the stream cut mid-line everywhere), with a new
 * framer or transcoder per op as each stream gets. Baselines: finding the line ends with Buffer.indexOf (native) for
 * the framer, which reads byte by byte in JS; JSON.parse of the payloads alone, the work the transcoder cannot avoid.
 *
 *   node --import tsx bench/micro/sse-framing.bench.ts
 */
import assert from 'node:assert/strict';
import { openaiStreamEvents } from '../mock/openai-answers.ts';
import { ANSWER_TEXT } from '../mock/answer-text.ts';
import { SseFramer, type SseEvent } from '../../plugins/llm/transcoders/sse.ts';
import { OpenAiPassthroughTranscoder } from '../../plugins/llm/transcoders/openai-passthrough.ts';
import { OpenAiSseSink } from '../../plugins/llm/transcoders/chunk-sink.ts';
import { compare } from './measure.ts';

const EVENTS = 20;
const whole = Buffer.concat(openaiStreamEvents(EVENTS));
const pieces: Buffer[] = [];
for (let at = 0; at < whole.length; at += 64) pieces.push(whole.subarray(at, at + 64));
const payloads = openaiStreamEvents(EVENTS).map((b) => b.toString().slice('data: '.length).trimEnd());

function frame(chunks: readonly Buffer[]): SseEvent[] {
  const f = new SseFramer();
  const out: SseEvent[] = [];
  for (const c of chunks) f.push(c, out);
  f.end(out);
  return out;
}

const parsingSink = { verbatim: false, chunk() {}, forward() {}, done() {} };

function parseEvery(chunks: readonly Buffer[]): OpenAiPassthroughTranscoder {
  const t = new OpenAiPassthroughTranscoder();
  for (const c of chunks) t.push(c, parsingSink);
  t.end(parsingSink);
  return t;
}

function transcode(chunks: readonly Buffer[]): OpenAiPassthroughTranscoder {
  const t = new OpenAiPassthroughTranscoder();
  const sink = new OpenAiSseSink();
  for (const c of chunks) { t.push(c, sink); sink.take(); }
  t.end(sink);
  sink.take();
  return t;
}

assert.equal(frame([whole]).length, EVENTS);
assert.deepEqual(frame(pieces), frame([whole]));
const t = transcode(pieces);
assert.equal(t.text, ANSWER_TEXT);
assert.equal(t.finishReason, 'stop');
assert.ok(t.usage.total_tokens > 0);
const p = parseEvery(pieces);
assert.deepEqual([p.text, p.finishReason, p.usage, p.responseModel], [t.text, t.finishReason, t.usage, t.responseModel]);

const o = { timeMs: 500, warmupMs: 150 };
console.log(`sse-framing (node ${process.version}): one op = a ${EVENTS}-event OpenAI stream, ${whole.length} B; ` +
  `64-byte pieces = ${pieces.length} chunks. ns per event = ns/op ÷ ${EVENTS}`);
compare('SseFramer', {
  'framer, one chunk': () => frame([whole]),
  'framer, 64-byte pieces': () => frame(pieces),
  'baseline: Buffer.indexOf(LF) over the stream': () => { let n = 0; for (let i = whole.indexOf(10); i >= 0; i = whole.indexOf(10, i + 1)) n++; return n; },
}, o);
compare('OpenAI passthrough transcoder (framer + scan or JSON.parse + usage/text)', {
  'transcoder, one chunk': () => transcode([whole]),
  'transcoder, 64-byte pieces': () => transcode(pieces),
  'parse every event, one chunk': () => parseEvery([whole]),
  'parse every event, 64-byte pieces': () => parseEvery(pieces),
  'baseline: JSON.parse of the 19 JSON payloads': () => { let x: unknown; for (const p of payloads) if (p !== '[DONE]') x = JSON.parse(p); return x; },
}, o);
