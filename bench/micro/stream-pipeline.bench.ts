/**
 * A converted stream through body_filter (plugins/llm/pipeline/stream-handler.ts), as the pipeline runs it: the
 * driver's stream conversion and, for a non-OpenAI client, the client format's encoder. One op = one whole 20-event
 * stream fed as 64-byte pieces (a new converter per op, as each request gets):
 *   - Anthropic upstream → OpenAI client (provider events → OpenAI chunks → SSE)
 *   - OpenAI upstream → Anthropic client (OpenAI chunks → Anthropic events)
 *   - Anthropic upstream → Gemini client (provider events → OpenAI chunks → Gemini events)
 *
 *   node --import tsx bench/micro/stream-pipeline.bench.ts
 */
import assert from 'node:assert/strict';
import { anthropicStreamEvents } from '../mock/anthropic-answers.ts';
import { openaiStreamEvents } from '../mock/openai-answers.ts';
import type { Kong } from '../../pdk/index.ts';
import type { BodyChunk } from '../../core/plugins/contract.ts';
import type { ClientFormat, DriverContext, ProviderDriver } from '../../plugins/llm/types.ts';
import { StreamHandler } from '../../plugins/llm/pipeline/stream-handler.ts';
import { EncoderSink, OpenAiSseSink } from '../../plugins/llm/transcoders/chunk-sink.ts';
import { anthropicDriver } from '../../plugins/llm/drivers/anthropic.ts';
import { openai } from '../../plugins/llm/drivers/openai.ts';
import { anthropicFormat } from '../../plugins/llm/formats/anthropic.ts';
import { geminiFormat } from '../../plugins/llm/formats/gemini.ts';
import { compare } from './measure.ts';

const EVENTS = 20;
const pieces = (whole: Buffer): Buffer[] => {
  const out: Buffer[] = [];
  for (let at = 0; at < whole.length; at += 64) out.push(whole.subarray(at, at + 64));
  return out;
};
const anthropicIn = pieces(Buffer.concat(anthropicStreamEvents(EVENTS)));
const openaiIn = pieces(Buffer.concat(openaiStreamEvents(EVENTS)));
const ctx = (provider: string, name: string): DriverContext => ({ route: 'llm/v1/chat', model: { provider, name, options: {} }, stream: true, clientPath: '/', clientQuery: '' });
const KONG = {} as Kong;

function run(driver: ProviderDriver, c: DriverContext, format: ClientFormat | null, input: readonly Buffer[]): number {
  const handler = new StreamHandler(driver.stream(c), format === null ? new OpenAiSseSink() : new EncoderSink(format.streamEncoder()));
  let bytes = 0;
  for (let i = 0; i < input.length; i++) {
    const chunk: BodyChunk = { data: input[i]!, eof: i === input.length - 1 };
    handler.body(KONG, chunk);
    bytes += chunk.data.length;
  }
  return bytes;
}

const a2o = () => run(anthropicDriver, ctx('anthropic', 'claude'), null, anthropicIn);
const o2a = () => run(openai, ctx('openai', 'gpt-4o'), anthropicFormat, openaiIn);
const a2g = () => run(anthropicDriver, ctx('anthropic', 'claude'), geminiFormat, anthropicIn);
assert.ok(a2o() > 0 && o2a() > 0 && a2g() > 0);

console.log(`stream-pipeline (node ${process.version}): one op = a ${EVENTS}-event stream in 64-byte pieces through body_filter`);
compare('converted stream through body_filter', {
  'anthropic upstream → openai client': a2o,
  'openai upstream → anthropic client': o2a,
  'anthropic upstream → gemini client': a2g,
}, { timeMs: 500, warmupMs: 150 });
