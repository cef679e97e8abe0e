import { fileURLToPath } from 'node:url';
import { aiProxy, proxyConfig, type PluginConf } from './kong-config.ts';
import { openaiChat, openaiChatKeyless, portkeyChat } from './requests.ts';
import type { Scenario } from './types.ts';

const NOOP = [1, 2, 3, 4, 5].map((i) => ({
  name: `bench-noop-${i}`,
  path: fileURLToPath(new URL(`../plugins/bench-noop-${i}.ts`, import.meta.url)),
}));

const AUTH_TRIO: PluginConf[] = [
  { name: 'key-auth', config: { key_names: ['apikey'] } },
  { name: 'correlation-id', config: { header_name: 'Kong-Request-ID', generator: 'uuid#counter', echo_downstream: true } },
  { name: 'request-transformer', config: { remove: { headers: ['X-Remove-Me'] }, add: { headers: ['X-Bench-Added:1'] } } },
];

const withKey = openaiChat(false);
withKey.headers = { ...withKey.headers, apikey: 'bench-key', 'X-Remove-Me': '1' };

/**
 * OpenAI chat JSON at c=50 through every non-converting set-up: plain proxy, proxy + plugins, ai-proxy
 * OpenAI → OpenAI (the gateway adds the key, parses request and answer, logs token statistics). They share the
 * direct call, so direct and nginx are measured once, in the same rounds.
 */
export const chatJson: Scenario = {
  name: 'chat-json',
  floor: true,
  load: { kind: 'http', connections: 50 },
  mock: { chunks: 20, gapMs: 0 },
  direct: openaiChat(false),
  gateways: [
    { label: 'gateway', config: (mock) => proxyConfig(mock), request: openaiChat(false) },
    {
      label: 'gateway +5 no-op plugins',
      config: (mock) => proxyConfig(mock, NOOP.map(({ name }) => ({ name }))),
      request: openaiChat(false),
      env: { KONG_PLUGINS: ['bundled', ...NOOP.map((p) => p.path)].join(',') },
    },
    {
      label: 'gateway +key-auth,correlation-id,request-transformer',
      config: (mock) => proxyConfig(mock, AUTH_TRIO, { consumers: [{ username: 'bench', keyauth_credentials: [{ key: 'bench-key' }] }] }),
      request: withKey,
    },
    { label: 'gateway ai-proxy', config: (mock) => proxyConfig(mock, [aiProxy('openai', mock)]), request: openaiChatKeyless(false) },
    {
      // every request traced (sampling 1.0) and exported in batches; the mock is the collector (it answers 200 with an
      // empty ExportTraceServiceResponse, as a real collector does). The paired figure of this cost is obs-overhead's.
      label: 'gateway ai-proxy +opentelemetry',
      config: (mock) => proxyConfig(mock, [aiProxy('openai', mock), { name: 'opentelemetry', config: { traces_endpoint: `${mock}/v1/traces`, sampling_rate: 1 } }]),
      request: openaiChatKeyless(false),
      env: { KONG_TRACING_INSTRUMENTATIONS: 'all' },
    },
    {
      // both observability plugins as an operator turns them on: every prometheus flag, AI metrics included
      label: 'gateway ai-proxy +prometheus +opentelemetry',
      config: (mock) => proxyConfig(mock, [
        aiProxy('openai', mock),
        { name: 'prometheus', config: { per_consumer: true, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true, ai_metrics: true } },
        { name: 'opentelemetry', config: { traces_endpoint: `${mock}/v1/traces`, sampling_rate: 1 } },
      ]),
      request: openaiChatKeyless(false),
      env: { KONG_TRACING_INSTRUMENTATIONS: 'all' },
    },
  ],
  peer: { label: 'portkey', request: (mock) => portkeyChat('openai', mock, false) },
  tables: [
    { name: 'plain-proxy', title: 'Plain proxy (OpenAI chat JSON passed through, c=50)', rows: ['gateway', 'portkey'] },
    {
      name: 'plugins',
      title: 'Plugins (plain proxy + 5 no-op plugins; + key-auth, correlation-id, request-transformer; c=50)',
      rows: ['gateway', 'gateway +5 no-op plugins', 'gateway +key-auth,correlation-id,request-transformer'],
    },
    { name: 'ai-openai', title: 'ai-proxy OpenAI → OpenAI (header auth, log_statistics, c=50)', rows: ['gateway ai-proxy', 'gateway ai-proxy +opentelemetry', 'gateway ai-proxy +prometheus +opentelemetry', 'portkey'] },
  ],
};
