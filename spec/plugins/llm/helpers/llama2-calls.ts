// The llama2 driver called as the pipeline calls it, for its own suite (spec/plugins/llm/drivers)
// and the Kong-fixture suite (spec/kong/llm/drivers): a context (with the upstream_url llama2
// requires) and the encoded request, as the driver's bytes.
import { llama2Driver } from '../../../../plugins/llm/drivers/llama2.ts'
import type { DriverContext, LlmRequest, ModelOptions, RouteType } from '../../../../plugins/llm/types.ts'
// drivers get the request as the pipeline merged it (plugins/llm/pipeline/option-defaults.ts)
import { withOptionDefaults } from '../../../../plugins/llm/pipeline/option-defaults.ts'

export function ctx(route: RouteType, options: ModelOptions, name = 'llama2'): DriverContext {
  return { route, model: { provider: 'llama2', name, options: { upstream_url: 'http://127.0.0.1:1/x', ...options } }, stream: false, clientPath: '/c', clientQuery: '' }
}

export const encode = (req: LlmRequest, c: DriverContext) => llama2Driver.encodeRequest(withOptionDefaults(req, c.model.options), Buffer.from(JSON.stringify(req)), c)
