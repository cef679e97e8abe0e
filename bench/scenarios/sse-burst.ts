import { SSE_GATEWAYS } from './sse-gateways.ts';
import { openaiChat, portkeyChat } from './requests.ts';
import type { Scenario } from './types.ts';

/** Chunk rate: 20-event OpenAI streams written by the mock all at once, 50 concurrent streams. */
export const sseBurst: Scenario = {
  name: 'sse-burst',
  tables: [{ name: 'sse-burst', title: 'SSE chunk rate (20 events per stream sent at once, 50 streams)', rows: ['gateway', 'gateway ai-proxy', 'portkey'] }],
  floor: true,
  load: { kind: 'sse', streams: 50 },
  mock: { chunks: 20, gapMs: 0 },
  direct: openaiChat(true),
  gateways: SSE_GATEWAYS,
  peer: { label: 'portkey', request: (mock) => portkeyChat('openai', mock, true) },
};
