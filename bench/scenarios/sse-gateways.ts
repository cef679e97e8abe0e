import { aiProxy, proxyConfig } from './kong-config.ts';
import { openaiChat, openaiChatKeyless } from './requests.ts';
import type { GatewaySpec } from './types.ts';

/** The two gateway set-ups every SSE scenario measures: a plain proxied stream and an ai-proxy OpenAI stream. */
export const SSE_GATEWAYS: GatewaySpec[] = [
  { label: 'gateway', config: (mock) => proxyConfig(mock), request: openaiChat(true) },
  { label: 'gateway ai-proxy', config: (mock) => proxyConfig(mock, [aiProxy('openai', mock)]), request: openaiChatKeyless(true) },
];
