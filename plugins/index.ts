// The bundled plugins: the single list (Kong's BUNDLED_PLUGINS). `KONG_PLUGINS=bundled` loads all
// of these; a plugin not listed here is loaded by package name or path.
import type { AnyPlugin } from '../core/plugins/contract.ts'
import aiProxy from './ai-proxy/index.ts'
import aiProxyAdvanced from './ai-proxy-advanced/index.ts'
import aiSemanticCache from './ai-semantic-cache/index.ts'
import aiPromptDecorator from './ai-prompt-decorator/index.ts'
import aiPromptGuard from './ai-prompt-guard/index.ts'
import aiPromptTemplate from './ai-prompt-template/index.ts'
import aiRateLimitingAdvanced from './ai-rate-limiting-advanced/index.ts'
import correlationId from './correlation-id/index.ts'
import cors from './cors/index.ts'
import fileLog from './file-log/index.ts'
import httpLog from './http-log/index.ts'
import keyAuth from './key-auth/index.ts'
import opentelemetry from './opentelemetry/index.ts'
import prometheus from './prometheus/index.ts'
import rateLimiting from './rate-limiting/index.ts'
import requestTermination from './request-termination/index.ts'
import requestTransformer from './request-transformer/index.ts'

export const BUNDLED: AnyPlugin[] = [
  correlationId, cors, keyAuth, rateLimiting, requestTransformer, requestTermination, httpLog, fileLog, prometheus,
  aiProxy, aiProxyAdvanced, aiRateLimitingAdvanced, aiPromptTemplate, aiPromptDecorator, aiPromptGuard, aiSemanticCache,
  opentelemetry,
] as AnyPlugin[]
