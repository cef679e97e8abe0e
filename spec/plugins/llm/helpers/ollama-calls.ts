// The ollama-format drivers (ollama, mistral) called as the pipeline calls them, for their own
// suite (spec/plugins/llm/drivers) and the Kong-fixture suite (spec/kong/llm/drivers): a context
// and the encoded request.
import type { DriverContext, LlmRequest, ModelOptions, ProviderDriver, RouteType } from '../../../../plugins/llm/types.ts'
// drivers get the request as the pipeline merged it (plugins/llm/pipeline/option-defaults.ts)
import { withOptionDefaults } from '../../../../plugins/llm/pipeline/option-defaults.ts'

export function ctx(provider: string, route: RouteType, options: ModelOptions = {}, name = 'llama3'): DriverContext {
  return { route, model: { provider, name, options }, stream: false, clientPath: '/client', clientQuery: '' }
}

export function encode(d: ProviderDriver, req: LlmRequest, c: DriverContext) {
  return JSON.parse(d.encodeRequest(withOptionDefaults(req, c.model.options), Buffer.from(JSON.stringify(req)), c)!)
}
