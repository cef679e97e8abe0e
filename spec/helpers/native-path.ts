// A driver's upstream path for a native client's raw path, built as the pipeline builds it (normalized,
// escaped), or the status of the refusal: the security tables of native operations read it.
import { normalizePath } from '../../core/router/normalize-path.ts'
import { escapeUpstreamPath } from '../../core/router/upstream-path.ts'
import { statusOf } from '../../plugins/llm/errors.ts'
import type { DriverContext, LlmFormat, ModelOptions, ProviderDriver } from '../../plugins/llm/types.ts'

export function nativePathFor(driver: ProviderDriver, format: LlmFormat, method: string, raw: string, options: ModelOptions, model = 'm'): string | number {
  const ctx = {
    route: 'llm/v1/chat', model: { provider: driver.id, name: model, options }, stream: false,
    clientPath: escapeUpstreamPath(normalizePath(raw) ?? raw), clientQuery: '', clientMethod: method, llmFormat: format,
  } as DriverContext
  try {
    return driver.target(ctx).path
  } catch (e) {
    const s = statusOf(e)
    if (s === null) throw e
    return s.status
  }
}

export type NativePathRow = [method: string, raw: string, expected: string | number]
