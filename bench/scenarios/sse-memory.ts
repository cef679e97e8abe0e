import { SSE_GATEWAYS } from './sse-gateways.ts';
import { openaiChat, portkeyChat } from './requests.ts';
import type { Scenario } from './types.ts';

/** Peak RSS with 1000 concurrent streams (20 events 50 ms apart, so each stream stays open about a second). */
export const sseMemory: Scenario = {
  name: 'sse-memory',
  tables: [{ name: 'sse-memory', title: 'Memory with 1000 concurrent streams (20 events 50 ms apart)', rows: ['gateway', 'gateway ai-proxy', 'portkey'] }],
  minDurationS: 10,
  load: { kind: 'sse', streams: 1000 },
  fullOnly: true,
  mock: { chunks: 20, gapMs: 50 },
  direct: openaiChat(true),
  gateways: SSE_GATEWAYS,
  peer: { label: 'portkey', request: (mock) => portkeyChat('openai', mock, true) },
};
