// The cohere driver called as the pipeline calls it, for its own suite (spec/plugins/llm/drivers)
// and the Kong-fixture suite (spec/kong/llm/drivers): a context, the encoded request, and the
// OpenAI SSE it streams read back.
import { expect } from 'vitest'
import { cohereDriver } from '../../../../plugins/llm/drivers/cohere.ts'
import type { DriverContext, LlmRequest, ModelOptions, RouteType } from '../../../../plugins/llm/types.ts'
// drivers get the request as the pipeline merged it (plugins/llm/pipeline/option-defaults.ts)
import { withOptionDefaults } from '../../../../plugins/llm/pipeline/option-defaults.ts'

export function ctx(route: RouteType, options: ModelOptions = {}, name: string | undefined = 'command', stream = false): DriverContext {
  return { route, model: { provider: 'cohere', name, options }, stream, clientPath: '/x', clientQuery: '' }
}

export function encode(req: LlmRequest, c: DriverContext) {
  return JSON.parse(cohereDriver.encodeRequest(withOptionDefaults(req, c.model.options), Buffer.from(JSON.stringify(req)), c)!)
}

/** SSE bytes → parsed `data:` payloads */
export function frames(sse: Buffer): unknown[] {
  return sse.toString().split('\n\n').filter(Boolean).map((f) => {
    expect(f.startsWith('data: ')).toBe(true)
    const d = f.slice(6)
    return d === '[DONE]' ? d : JSON.parse(d)
  })
}
