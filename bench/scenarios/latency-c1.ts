import { aiProxy, proxyConfig } from './kong-config.ts';
import { openaiChat, openaiChatKeyless, portkeyChat } from './requests.ts';
import type { Scenario } from './types.ts';

/** Added latency: one connection, one request at a time, plain proxy and ai-proxy OpenAI → OpenAI. */
export const latencyC1: Scenario = {
  name: 'latency-c1',
  tables: [{ name: 'latency-c1', title: 'Added latency at concurrency 1 (OpenAI chat JSON)', rows: ['gateway', 'gateway ai-proxy', 'portkey'] }],
  minDurationS: 2,
  floor: true,
  load: { kind: 'http', connections: 1 },
  mock: { chunks: 20, gapMs: 0 },
  direct: openaiChat(false),
  gateways: [
    { label: 'gateway', config: (mock) => proxyConfig(mock), request: openaiChat(false) },
    { label: 'gateway ai-proxy', config: (mock) => proxyConfig(mock, [aiProxy('openai', mock)]), request: openaiChatKeyless(false) },
  ],
  peer: { label: 'portkey', request: (mock) => portkeyChat('openai', mock, false) },
};
