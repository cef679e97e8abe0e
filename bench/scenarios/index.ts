/** Every scenario, in the order the bench runs them. */
import { aiAnthropic } from './ai-anthropic.ts';
import { aiProxyAdvanced } from './ai-proxy-advanced.ts';
import { chatJson } from './chat-json.ts';
import { cloudAuth } from './cloud-auth.ts';
import { latencyC1 } from './latency-c1.ts';
import { sseBurst } from './sse-burst.ts';
import { sseMemory } from './sse-memory.ts';
import { sseSpaced } from './sse-spaced.ts';
import type { Scenario } from './types.ts';

export const SCENARIOS: Scenario[] = [chatJson, aiAnthropic, aiProxyAdvanced, sseBurst, sseSpaced, latencyC1, sseMemory, ...cloudAuth];
