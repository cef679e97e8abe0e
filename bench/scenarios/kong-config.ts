/** Kong declarative configs for the gateway targets: one service pointing at the mock, one route. */
import { ANTHROPIC_KEY, ANTHROPIC_MODEL, OPENAI_KEY, OPENAI_MODEL } from './requests.ts';
import type { KongConfig } from './types.ts';

export type PluginConf = { name: string; config?: Record<string, unknown> };

/** Service `bench` → mock, route `/v1` (path kept), with `plugins` on the service. */
export function proxyConfig(mockUrl: string, plugins: PluginConf[] = [], extra: KongConfig = {}): KongConfig {
  return {
    _format_version: '3.0',
    services: [
      {
        name: 'bench',
        url: mockUrl,
        routes: [{ name: 'bench', paths: ['/v1'], strip_path: false }],
        ...(plugins.length ? { plugins } : {}),
      },
    ],
    ...extra,
  };
}

/** Kong's ai-proxy, llm/v1/chat, header auth, statistics on, upstream = the mock. */
export function aiProxy(provider: 'openai' | 'anthropic', mockUrl: string): PluginConf {
  const openai = provider === 'openai';
  return {
    name: 'ai-proxy',
    config: {
      route_type: 'llm/v1/chat',
      auth: openai
        ? { header_name: 'Authorization', header_value: `Bearer ${OPENAI_KEY}` }
        : { header_name: 'x-api-key', header_value: ANTHROPIC_KEY },
      model: {
        provider,
        name: openai ? OPENAI_MODEL : ANTHROPIC_MODEL,
        options: openai
          ? { upstream_url: `${mockUrl}/v1/chat/completions` }
          : { upstream_url: `${mockUrl}/v1/messages`, anthropic_version: '2023-06-01', max_tokens: 512 },
      },
      logging: { log_statistics: true, log_payloads: false },
    },
  };
}
