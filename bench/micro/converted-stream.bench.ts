/**
 * ai-proxy's response handler for converted streams, per 20-event stream, one upstream chunk per event:
 *  - anthropic→openai: an Anthropic upstream (plugins/llm/drivers/anthropic/stream-transcoder.ts) to an OpenAI client;
 *  - openai→anthropic: an OpenAI upstream to an Anthropic client (plugins/llm/formats/anthropic/stream-encoder.ts).
 * Prints the V8 heap bytes allocated per stream (new-space growth over batches that saw no scavenge), a figure that
 * does not move with the machine's load, then ns ratios.
 *
 *   node --import tsx bench/micro/converted-stream.bench.ts
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { anthropicStreamEvents } from '../mock/anthropic-answers.ts';
import { openaiStreamEvents } from '../mock/openai-answers.ts';
import { AnthropicStreamTranscoder } from '../../plugins/llm/drivers/anthropic/stream-transcoder.ts';
import { OpenAiPassthroughTranscoder } from '../../plugins/llm/transcoders/openai-passthrough.ts';
import { EncoderSink, OpenAiSseSink, type StreamSink } from '../../plugins/llm/transcoders/chunk-sink.ts';
import { anthropicFormat } from '../../plugins/llm/formats/anthropic.ts';
import { StreamHandler } from '../../plugins/llm/pipeline/stream-handler.ts';
import { streamUsage } from '../../plugins/llm/pipeline/estimate.ts';
import type { StreamTranscoder } from '../../plugins/llm/types.ts';
import type { Kong } from '../../pdk/index.ts';
import { compare, consume } from './measure.ts';

const EVENTS = 20;
const anthropicEvents = anthropicStreamEvents(EVENTS);
const openaiEvents = openaiStreamEvents(EVENTS);
const ctx = { route: 'llm/v1/chat', model: { provider: 'anthropic', name: 'claude', options: {} }, stream: true, clientPath: '/', clientQuery: '' } as const;
const kong = null as unknown as Kong;

function stream(chunks: readonly Buffer[], t: StreamTranscoder, sink: StreamSink): number {
  const h = new StreamHandler(t, sink);
  let sent = 0;
  for (let i = 0; i < chunks.length; i++) {
    const chunk = { data: chunks[i]!, eof: i === chunks.length - 1 };
    h.body(kong, chunk);
    sent += chunk.data.length;
  }
  return sent + streamUsage(t, 0).total_tokens;
}

const newSpace = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;

/** V8 heap bytes per call: the median new-space growth per call over batches without a scavenge. */
function bytesPerOp(fn: () => unknown, batch = 16, batches = 400): number {
  for (let i = 0; i < 2000; i++) fn();
  const per: number[] = [];
  for (let k = 0; k < batches; k++) {
    const before = newSpace();
    for (let i = 0; i < batch; i++) consume(fn());
    const grew = newSpace() - before;
    if (grew > 0) per.push(grew / batch);
  }
  per.sort((x, y) => x - y);
  return Math.round(per[per.length >> 1] ?? NaN);
}

const variants: Record<string, () => unknown> = {
  'anthropic→openai': () => stream(anthropicEvents, new AnthropicStreamTranscoder(ctx), new OpenAiSseSink()),
  'openai→anthropic': () => stream(openaiEvents, new OpenAiPassthroughTranscoder(), new EncoderSink(anthropicFormat.streamEncoder())),
};

console.log(`converted-stream (node ${process.version}): one op = one ${EVENTS}-event stream through StreamHandler, one chunk per event`);
console.log('V8 heap bytes allocated per stream:');
for (const [name, fn] of Object.entries(variants)) console.log(`  ${name.padEnd(24)} ${String(bytesPerOp(fn)).padStart(7)} B`);
compare('converted streams, per stream (ratios vs the first row)', variants, { timeMs: 600, warmupMs: 200 });
