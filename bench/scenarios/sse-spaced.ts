import { SSE_GATEWAYS } from './sse-gateways.ts';
import { openaiChat, portkeyChat } from './requests.ts';
import type { Scenario } from './types.ts';

/**
 * Time to first byte: 20-event streams with 1 ms between events, 10 concurrent streams (light load, so the
 * figure is the gateway's added delay rather than queueing on a busy core).
 */
export const sseSpaced: Scenario = {
  name: 'sse-spaced',
  tables: [{ name: 'sse-spaced', title: 'SSE time to first byte (20 events 1 ms apart, 10 streams)', rows: ['gateway', 'gateway ai-proxy', 'portkey'] }],
  minDurationS: 2,
  floor: true,
  load: { kind: 'sse', streams: 10 },
  mock: { chunks: 20, gapMs: 1 },
  direct: openaiChat(true),
  gateways: SSE_GATEWAYS,
  peer: { label: 'portkey', request: (mock) => portkeyChat('openai', mock, true) },
};
