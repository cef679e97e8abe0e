/**
 * ai-proxy's response handler for an OpenAI→OpenAI stream, per 20-event stream (the mock upstream's bytes: role,
 * 16 deltas, finish, usage, [DONE]): plugins/llm/pipeline/stream-handler.ts with the OpenAI passthrough transcoder
 * and the OpenAI SSE sink, as header_filter builds them, then what the end of the exchange reads (usage with
 * Kong's estimate, model, finish reasons). The client's bytes go on verbatim, so the transcoder reads the events
 * on their bytes (plugins/llm/transcoders/openai-chunk-scan.ts) and parses only the usage event; the old path,
 * measured beside it in the same run, decoded every event and JSON.parsed it. Fed as one chunk per event (how the
 * mock writes them) and as the whole stream in one chunk.
 *
 * Besides ns per stream it prints the V8 heap bytes allocated per stream (new-space growth over batches that saw
 * no scavenge), a figure that does not move with the machine's load.
 *
 *   node --import tsx bench/micro/sse-stream-handler.bench.ts
 */
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics } from 'node:v8';
import { openaiStreamEvents } from '../mock/openai-answers.ts';
import { ANSWER_TEXT } from '../mock/answer-text.ts';
import { OpenAiPassthroughTranscoder } from '../../plugins/llm/transcoders/openai-passthrough.ts';
import { OpenAiSseSink } from '../../plugins/llm/transcoders/chunk-sink.ts';
import { StreamHandler } from '../../plugins/llm/pipeline/stream-handler.ts';
import { streamUsage } from '../../plugins/llm/pipeline/estimate.ts';
import type { Kong } from '../../pdk/index.ts';
import { compare, consume } from './measure.ts';

const EVENTS = 20;
const perEvent = openaiStreamEvents(EVENTS);
const whole = [Buffer.concat(perEvent)];

/** The path before the scan: every event decoded and parsed (the first push is taken as already decided). */
class ParseEveryEvent extends OpenAiPassthroughTranscoder {
  constructor() {
    super();
    (this as unknown as { started: boolean }).started = true;
  }
}

const kong = null as unknown as Kong;

function stream(chunks: readonly Buffer[], t: OpenAiPassthroughTranscoder): number {
  const h = new StreamHandler(t, new OpenAiSseSink());
  let sent = 0;
  for (let i = 0; i < chunks.length; i++) {
    const chunk = { data: chunks[i]!, eof: i === chunks.length - 1 };
    h.body(kong, chunk);
    sent += chunk.data.length;
  }
  const u = streamUsage(t, 0);
  consume(h.responseModel());
  consume(h.finishReasons());
  return sent + u.total_tokens;
}

// both paths read the same and send the same bytes
for (const chunks of [perEvent, whole]) {
  const a = new OpenAiPassthroughTranscoder();
  const b = new ParseEveryEvent();
  const sentA = stream(chunks, a);
  assert.equal(sentA, stream(chunks, b));
  assert.equal(a.text, ANSWER_TEXT);
  assert.deepEqual([a.usage, a.responseModel, a.finishReason, a.text], [b.usage, b.responseModel, b.finishReason, b.text]);
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
  'scan (new), one chunk per event': () => stream(perEvent, new OpenAiPassthroughTranscoder()),
  'parse every event (old), one chunk per event': () => stream(perEvent, new ParseEveryEvent()),
  'scan (new), whole stream in one chunk': () => stream(whole, new OpenAiPassthroughTranscoder()),
  'parse every event (old), whole stream in one chunk': () => stream(whole, new ParseEveryEvent()),
};

console.log(`sse-stream-handler (node ${process.version}): one op = one ${EVENTS}-event OpenAI stream through StreamHandler, ` +
  `${whole[0]!.length} B`);
console.log('V8 heap bytes allocated per stream:');
for (const [name, fn] of Object.entries(variants)) console.log(`  ${name.padEnd(52)} ${String(bytesPerOp(fn)).padStart(7)} B`);
compare('StreamHandler + OpenAI passthrough transcoder, per stream (ratios vs the first row)', variants, { timeMs: 600, warmupMs: 200 });
