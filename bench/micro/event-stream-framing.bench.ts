/**
 * AWS event-stream framing (plugins/llm/transcoders/aws-event-stream.ts): the framer cuts messages out of chunks and
 * decodes each with @smithy/eventstream-codec (prelude and message CRC32 checks, headers); and the Bedrock
 * ConverseStream → OpenAI SSE transcoder on top of it (plugins/llm/drivers/bedrock.ts `stream()`: JSON.parse of each
 * payload, an OpenAI chunk JSON.stringify'd per event). One op = one whole 20-message ConverseStream (messageStart,
 * 16 contentBlockDelta, contentBlockStop, messageStop, metadata) made with `encodeAwsEvent`, fed as one chunk and as
 * 64-byte pieces, with a new framer or transcoder per op as each stream gets. Baseline: the codec's decode of the 20
 * messages already cut apart, i.e. the framing work is the difference.
 *
 *   node --import tsx bench/micro/event-stream-framing.bench.ts
 */
import assert from 'node:assert/strict';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { answerDeltas, ANSWER_TEXT } from '../mock/answer-text.ts';
import { createAwsEventStreamFramer, encodeAwsEvent, type AwsEvent } from '../../plugins/llm/transcoders/aws-event-stream.ts';
import { bedrockDriver } from '../../plugins/llm/drivers/bedrock.ts';
import type { DriverContext, StreamTranscoder } from '../../plugins/llm/types.ts';
import { OpenAiSseSink } from '../../plugins/llm/transcoders/chunk-sink.ts';
import { compare } from './measure.ts';

const DELTAS = 16;
const messages = [
  encodeAwsEvent('messageStart', { p: 'abcd', role: 'assistant' }),
  ...answerDeltas(DELTAS).map((text) => encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text }, p: 'abcdefgh' })),
  encodeAwsEvent('contentBlockStop', { contentBlockIndex: 0, p: 'abcdefghijkl' }),
  encodeAwsEvent('messageStop', { p: 'abcdefghijklmnopqrst', stopReason: 'end_turn' }),
  encodeAwsEvent('metadata', { metrics: { latencyMs: 812 }, p: 'abcdefghijklm', usage: { inputTokens: 152, outputTokens: 96, totalTokens: 248 } }),
];
const whole = Buffer.concat(messages);
const pieces: Buffer[] = [];
for (let at = 0; at < whole.length; at += 64) pieces.push(whole.subarray(at, at + 64));

function frame(chunks: readonly Buffer[]): AwsEvent[] {
  const f = createAwsEventStreamFramer();
  const out: AwsEvent[] = [];
  for (const c of chunks) f.push(c, out);
  f.end(out);
  return out;
}

const ctx: DriverContext = {
  route: 'llm/v1/chat', stream: true, clientPath: '/v1/chat/completions', clientQuery: '',
  model: { provider: 'bedrock', name: 'anthropic.claude-3-5-haiku-20241022-v1:0', options: { bedrock: { aws_region: 'us-east-1' } } } as DriverContext['model'],
};
function transcode(chunks: readonly Buffer[]): StreamTranscoder {
  const t = bedrockDriver.stream!(ctx);
  const sink = new OpenAiSseSink();
  for (const c of chunks) { t.push(c, sink); sink.take(); }
  t.end(sink);
  sink.take();
  return t;
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);
assert.equal(frame([whole]).length, messages.length);
assert.deepEqual(frame(pieces), frame([whole]));
const t = transcode(pieces);
assert.equal(t.text, ANSWER_TEXT);
assert.equal(t.finishReason, 'stop');
assert.equal(t.usage.total_tokens, 248);

const o = { timeMs: 500, warmupMs: 150 };
console.log(`event-stream-framing (node ${process.version}): one op = a ${messages.length}-message ConverseStream, ${whole.length} B; ` +
  `64-byte pieces = ${pieces.length} chunks. ns per event = ns/op ÷ ${messages.length}`);
compare('AWS event-stream framer', {
  'framer, one chunk': () => frame([whole]),
  'framer, 64-byte pieces': () => frame(pieces),
  'baseline: codec.decode of the messages cut apart': () => { let x: unknown; for (const m of messages) x = codec.decode(m); return x; },
}, o);
compare('Bedrock stream transcoder (event-stream → OpenAI SSE)', {
  'transcoder, one chunk': () => transcode([whole]),
  'transcoder, 64-byte pieces': () => transcode(pieces),
}, o);
