import { aiProxy, proxyConfig } from './kong-config.ts';
import { ANTHROPIC_MODEL, anthropicMessages, openaiChatKeyless, portkeyChat } from './requests.ts';
import type { Scenario } from './types.ts';

/**
 * ai-proxy OpenAI → Anthropic: the client speaks OpenAI, the gateway converts to Messages and back.
 * Direct and nginx send the same conversation as a native Messages request.
 */
export const aiAnthropic: Scenario = {
  name: 'ai-anthropic',
  tables: [{ name: 'ai-anthropic', title: 'ai-proxy OpenAI → Anthropic (format conversion both ways, c=50)', rows: ['gateway ai-proxy', 'portkey'] }],
  load: { kind: 'http', connections: 50 },
  mock: { chunks: 20, gapMs: 0 },
  direct: anthropicMessages(false),
  gateways: [
    { label: 'gateway ai-proxy', config: (mock) => proxyConfig(mock, [aiProxy('anthropic', mock)]), request: openaiChatKeyless(false, ANTHROPIC_MODEL) },
  ],
  peer: { label: 'portkey', request: (mock) => portkeyChat('anthropic', mock, false) },
};
