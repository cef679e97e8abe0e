/**
 * Anthropic Messages-shaped answers, built once at start-up: a message (compact JSON, as the real API sends it)
 * and its SSE event stream (message_start, content_block_start, ping, deltas, content_block_stop, message_delta,
 * message_stop).
 */
import { ANSWER_TEXT, answerDeltas } from './answer-text.ts';

const ID = 'msg_01XFDUDYJgAACzvnptvVoYEL';
const MODEL = 'claude-3-5-haiku-20241022';
const USAGE = { input_tokens: 212, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 71, service_tier: 'standard' };

/** 14 response headers of a real Messages answer (content-type first). */
export function anthropicHeaders(contentType: string): [string, string][] {
  return [
    ['content-type', contentType],
    ['anthropic-ratelimit-requests-limit', '4000'],
    ['anthropic-ratelimit-requests-remaining', '3999'],
    ['anthropic-ratelimit-requests-reset', '2025-05-19T10:00:01Z'],
    ['anthropic-ratelimit-input-tokens-limit', '400000'],
    ['anthropic-ratelimit-input-tokens-remaining', '399000'],
    ['anthropic-ratelimit-input-tokens-reset', '2025-05-19T10:00:01Z'],
    ['anthropic-ratelimit-output-tokens-limit', '80000'],
    ['anthropic-ratelimit-output-tokens-remaining', '80000'],
    ['anthropic-ratelimit-output-tokens-reset', '2025-05-19T10:00:01Z'],
    ['request-id', 'req_011CPQxyZ7vW1aB2cD3eF4gH'],
    ['anthropic-organization-id', '2b1e7a51-6c9f-4d0a-9b3e-tollgatebench'],
    ['via', '1.1 google'],
    ['x-robots-tag', 'none'],
  ];
}

export const ANTHROPIC_MESSAGE_JSON = Buffer.from(
  JSON.stringify({
    id: ID,
    type: 'message',
    role: 'assistant',
    model: MODEL,
    content: [{ type: 'text', text: ANSWER_TEXT }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: USAGE,
  }),
);

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** `events` SSE events (at least 7), events-6 of them text deltas. */
export function anthropicStreamEvents(events: number): Buffer[] {
  const deltas = answerDeltas(Math.max(1, events - 6));
  const out = [
    event('message_start', { type: 'message_start', message: { id: ID, type: 'message', role: 'assistant', model: MODEL,
      content: [], stop_reason: null, stop_sequence: null, usage: { ...USAGE, output_tokens: 1 } } }),
    event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    event('ping', { type: 'ping' }),
  ];
  for (const text of deltas) out.push(event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }));
  out.push(event('content_block_stop', { type: 'content_block_stop', index: 0 }));
  out.push(event('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: USAGE.output_tokens } }));
  out.push(event('message_stop', { type: 'message_stop' }));
  return out.map((s) => Buffer.from(s));
}
