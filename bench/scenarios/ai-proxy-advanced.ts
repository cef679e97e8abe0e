/**
 * ai-proxy-advanced against plain ai-proxy, OpenAI → OpenAI at c=50, in the same rounds:
 *   round-robin: three targets (all the mock), so the cost shown is the balancer's, not the upstream's;
 *   failover:    the first target (priority) answers 404 on every request, the second answers: each request
 *                pays one extra upstream round trip, the held answer drained and the request rebuilt.
 */
import { aiProxy, proxyConfig, type PluginConf } from './kong-config.ts';
import { OPENAI_KEY, OPENAI_MODEL, openaiChat, openaiChatKeyless } from './requests.ts';
import type { Scenario } from './types.ts';

function target(mockUrl: string, path: string, weight = 100) {
  return {
    route_type: 'llm/v1/chat',
    weight,
    auth: { header_name: 'Authorization', header_value: `Bearer ${OPENAI_KEY}` },
    model: { provider: 'openai', name: OPENAI_MODEL, options: { upstream_url: `${mockUrl}${path}` } },
    logging: { log_statistics: true, log_payloads: false },
  };
}

function advanced(targets: unknown[], balancer: Record<string, unknown>): PluginConf {
  return { name: 'ai-proxy-advanced', config: { targets, balancer } };
}

export const aiProxyAdvanced: Scenario = {
  name: 'ai-proxy-advanced',
  tables: [{
    name: 'ai-proxy-advanced',
    title: 'ai-proxy-advanced: 3 targets round-robin, and failover from a failing first target, vs ai-proxy (OpenAI → OpenAI, c=50)',
    rows: ['gateway ai-proxy', 'gateway ai-proxy-advanced round-robin x3', 'gateway ai-proxy-advanced failover'],
  }],
  load: { kind: 'http', connections: 50 },
  mock: { chunks: 20, gapMs: 0 },
  direct: openaiChat(false),
  gateways: [
    { label: 'gateway ai-proxy', config: (mock) => proxyConfig(mock, [aiProxy('openai', mock)]), request: openaiChatKeyless(false) },
    {
      label: 'gateway ai-proxy-advanced round-robin x3',
      config: (mock) => proxyConfig(mock, [advanced([1, 2, 3].map(() => target(mock, '/v1/chat/completions')), { algorithm: 'round-robin' })]),
      request: openaiChatKeyless(false),
    },
    {
      label: 'gateway ai-proxy-advanced failover',
      config: (mock) => proxyConfig(mock, [advanced(
        [target(mock, '/v1/unavailable', 100), target(mock, '/v1/chat/completions', 10)],
        { algorithm: 'priority', failover_criteria: ['error', 'timeout', 'http_404', 'non_idempotent'] },
      )]),
      request: openaiChatKeyless(false),
    },
  ],
};
