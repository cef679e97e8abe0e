import { aiProxy, proxyConfig, type PluginConf } from './kong-config.ts';
import { openaiChatKeyless } from './requests.ts';
import type { GatewaySpec, PairedScenario } from './types.ts';

// every flag an operator can turn on, AI metrics included
export const PROMETHEUS: PluginConf = {
  name: 'prometheus',
  config: { per_consumer: true, status_code_metrics: true, latency_metrics: true, bandwidth_metrics: true, upstream_health_metrics: true, ai_metrics: true },
};
// every request traced and exported in batches to the mock, which answers 200 with an empty ExportTraceServiceResponse
export const otel = (mock: string): PluginConf => ({ name: 'opentelemetry', config: { traces_endpoint: `${mock}/v1/traces`, sampling_rate: 1 } });

export const AI = (mock: string): PluginConf[] => [aiProxy('openai', mock)];

/**
 * Kong's tracing_instrumentations: `all` makes every span the issue lists (server, router, each access handler,
 * balancer tries, GenAI); `request` only the server and GenAI spans. Kong's default, off, exports nothing.
 */
export const ALL = { KONG_TRACING_INSTRUMENTATIONS: 'all' };
const REQUEST = { KONG_TRACING_INSTRUMENTATIONS: 'request' };
const OFF = { KONG_TRACING_INSTRUMENTATIONS: 'off' };

const gateway = (label: string, plugins: (mock: string) => PluginConf[], env: Record<string, string> = ALL): GatewaySpec => ({
  label,
  config: (mock) => proxyConfig(mock, plugins(mock)),
  request: openaiChatKeyless(false),
  env,
});

/**
 * What the observability plugins cost on top of ai-proxy (OpenAI → OpenAI), as a ratio of CPU per request measured
 * in pairs: both gateways on the gateway core at once, 25 connections each (six processes, two per pair). The A/A
 * pair (two identical ai-proxy gateways) calibrates the method: its ratio should be 1.00, its spread is how far the
 * others can be trusted.
 */
export const obsOverhead: PairedScenario = {
  name: 'obs-overhead',
  title: 'ai-proxy + observability plugins, CPU per request in concurrent pairs on one core (OpenAI → OpenAI, 25 + 25 connections)',
  pairs: [
    { label: 'A/A: ai-proxy vs ai-proxy', a: gateway('ai-proxy', AI), b: gateway('ai-proxy (twin)', AI) },
    { label: '+opentelemetry', a: gateway('ai-proxy', AI), b: gateway('ai-proxy +opentelemetry', (m) => [...AI(m), otel(m)]) },
    { label: '+prometheus +opentelemetry', a: gateway('ai-proxy', AI), b: gateway('ai-proxy +prometheus +opentelemetry', (m) => [...AI(m), PROMETHEUS, otel(m)]) },
    {
      label: '+prometheus +opentelemetry, instrumentations request',
      a: gateway('ai-proxy', AI),
      b: gateway('ai-proxy +prometheus +opentelemetry (request)', (m) => [...AI(m), PROMETHEUS, otel(m)], REQUEST),
    },
    {
      // Kong's default: the trace context propagated (marked not sampled), nothing recorded or exported
      label: "+prometheus +opentelemetry, instrumentations off (Kong's default)",
      a: gateway('ai-proxy', AI),
      b: gateway('ai-proxy +prometheus +opentelemetry (off)', (m) => [...AI(m), PROMETHEUS, otel(m)], OFF),
    },
  ],
  connectionsPerSide: 25,
  rounds: 15,
  durationS: 5,
  warmupS: 10,
  goal: { pair: '+prometheus +opentelemetry', maxRatio: 1.15, calibration: 'A/A: ai-proxy vs ai-proxy' },
};

export const PAIRED_SCENARIOS: PairedScenario[] = [obsOverhead];
