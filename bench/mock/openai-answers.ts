/**
 * OpenAI-shaped answers, built once at start-up: a chat completion (pretty-printed like the real API, ~1.4 KB),
 * its SSE stream of N events (role, deltas, finish, usage, [DONE]) and an embeddings list.
 */
import { ANSWER_TEXT, answerDeltas } from './answer-text.ts';

const ID = 'chatcmpl-BZx8kM2vQe7TnR4pLwY1sD9fJ3hG6';
const MODEL = 'gpt-4o-2024-08-06';
const CREATED = 1747650000;
const FINGERPRINT = 'fp_07871e2ad8';

const USAGE = {
  prompt_tokens: 212,
  completion_tokens: 71,
  total_tokens: 283,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0,
  },
};

/** The 14 response headers of a real chat completion (content-type first; uWS adds Date and Content-Length). */
export function openaiHeaders(contentType: string): [string, string][] {
  return [
    ['content-type', contentType],
    ['access-control-expose-headers', 'X-Request-ID'],
    ['openai-organization', 'user-tollgate-bench'],
    ['openai-processing-ms', '412'],
    ['openai-project', 'proj_Xb3kQ8rT1vN6mZ2wL5pY9sD4'],
    ['openai-version', '2020-10-01'],
    ['x-ratelimit-limit-requests', '10000'],
    ['x-ratelimit-limit-tokens', '30000000'],
    ['x-ratelimit-remaining-requests', '9999'],
    ['x-ratelimit-remaining-tokens', '29999788'],
    ['x-ratelimit-reset-requests', '6ms'],
    ['x-ratelimit-reset-tokens', '0s'],
    ['x-request-id', 'req_5f0c2b8e9d1a4c7f8e6b3a2d1c0f9e8d'],
    ['strict-transport-security', 'max-age=31536000; includeSubDomains; preload'],
  ];
}

export const OPENAI_CHAT_JSON = Buffer.from(
  JSON.stringify(
    {
      id: ID,
      object: 'chat.completion',
      created: CREATED,
      model: MODEL,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: ANSWER_TEXT, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: USAGE,
      service_tier: 'default',
      system_fingerprint: FINGERPRINT,
    },
    null,
    2,
  ) + '\n',
);

function chunk(choices: unknown[], usage: unknown = null): string {
  const body = { id: ID, object: 'chat.completion.chunk', created: CREATED, model: MODEL, service_tier: 'default',
    system_fingerprint: FINGERPRINT, choices, usage };
  return `data: ${JSON.stringify(body)}\n\n`;
}

/** `events` SSE events (at least 5): role, events-4 content deltas, finish, usage, `data: [DONE]`. */
export function openaiStreamEvents(events: number): Buffer[] {
  const deltas = answerDeltas(Math.max(1, events - 4));
  const out = [chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }])];
  for (const text of deltas) out.push(chunk([{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }]));
  out.push(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]));
  out.push(chunk([], USAGE));
  out.push('data: [DONE]\n\n');
  return out.map((s) => Buffer.from(s));
}

/** An embeddings list of one 1536-dimension vector (deterministic values), ~33 KB. */
export const OPENAI_EMBEDDINGS_JSON = Buffer.from(
  JSON.stringify({
    object: 'list',
    data: [{ object: 'embedding', index: 0, embedding: Array.from({ length: 1536 }, (_, i) => Number(Math.sin(i + 1).toFixed(9))) }],
    model: 'text-embedding-3-small',
    usage: { prompt_tokens: 8, total_tokens: 8 },
  }),
);
