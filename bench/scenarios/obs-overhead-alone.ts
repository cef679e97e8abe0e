import { AI, ALL, otel, PROMETHEUS } from './obs-overhead.ts';
import { proxyConfig } from './kong-config.ts';
import { openaiChatKeyless } from './requests.ts';
import type { AloneScenario, KongConfig } from './types.ts';

/**
 * Config a with its route renamed: it serves every request as a does (nothing on the path reads a route's name
 * unless a log plugin serializes it, and a has none), yet it is another text with another hash, so swapping it in
 * is a full reload like swapping in b. (The gateway would reload identical text too; a different text keeps the
 * calibration honest should a reload ever be skipped for an unchanged hash.)
 */
export function renamedRoute(config: KongConfig, name: string): KongConfig {
  const services = config.services as { routes: Record<string, unknown>[] }[];
  return { ...config, services: services.map((s) => ({ ...s, routes: s.routes.map((r) => ({ ...r, name })) })) };
}

/**
 * What prometheus (every flag) + opentelemetry (sampling 1, exporting to the mock) cost ai-proxy, measured on ONE
 * gateway alone on its core whose config is swapped between a (ai-proxy) and b (ai-proxy + both) every window,
 * with a2 (a, route renamed) interleaved as the A/A calibration. The same configs and node settings as
 * obs-overhead's +prometheus +opentelemetry pair (bench/scenarios/obs-overhead.ts).
 */
export const obsOverheadAlone: AloneScenario = {
  name: 'obs-overhead-alone',
  title: 'ai-proxy + prometheus + opentelemetry, CPU per request of one gateway alone on its core, config swapped per window (OpenAI → OpenAI, c=50)',
  configs: {
    a: (m) => proxyConfig(m, AI(m)),
    b: (m) => proxyConfig(m, [...AI(m), PROMETHEUS, otel(m)]),
    a2: (m) => renamedRoute(proxyConfig(m, AI(m)), 'bench-a2'),
  },
  labels: { a2: 'A/A: ai-proxy (route renamed) vs ai-proxy', b: '+prometheus +opentelemetry' },
  request: openaiChatKeyless(false),
  env: ALL,
  connections: 50,
  pairs: 15,
  durationS: 3,
  settleS: 1,
  warmupS: 9,
  goal: { maxRatio: 1.15 },
};

export const ALONE_SCENARIOS: AloneScenario[] = [obsOverheadAlone];
