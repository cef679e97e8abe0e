// The gemini driver called as the pipeline calls it, for its own suite (spec/plugins/llm/drivers)
// and the Kong-fixture suite (spec/kong/llm/drivers): a context, the encoded request and the
// decoded answer.
import { geminiDriver } from '../../../../plugins/llm/drivers/gemini.ts'
import type { DriverContext, LlmRequest, ModelOptions, RouteType } from '../../../../plugins/llm/types.ts'
// drivers get the request as the pipeline merged it (plugins/llm/pipeline/option-defaults.ts)
import { withOptionDefaults } from '../../../../plugins/llm/pipeline/option-defaults.ts'

export function ctx(route: RouteType, options: ModelOptions = {}, name: string | undefined = 'gemini-1.5-pro', stream = false, extra: Partial<DriverContext> = {}): DriverContext {
  return { route, model: { provider: 'gemini', name, options }, stream, clientPath: '/gemini', clientQuery: '', ...extra }
}

export function encode(req: LlmRequest, c: DriverContext = ctx('llm/v1/chat')) {
  const out = geminiDriver.encodeRequest(withOptionDefaults(req, c.model.options), Buffer.from(JSON.stringify(req)), c)
  return out === null ? null : JSON.parse(out)
}

export function decode(body: unknown, c: DriverContext = ctx('llm/v1/chat')) {
  const d = geminiDriver.decodeResponse(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), c)
  return { ...d, json: d.body === null ? null : JSON.parse(d.body) }
}
