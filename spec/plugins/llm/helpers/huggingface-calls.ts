// The huggingface driver's test context, for its own suite (spec/plugins/llm/drivers) and the
// Kong-fixture suite (spec/kong/llm/drivers).
import type { DriverContext, ModelOptions, RouteType } from '../../../../plugins/llm/types.ts'

export const MODEL = 'mistralai/Mistral-7B-Instruct-v0.2'

export function ctx(route: RouteType, options: ModelOptions = {}, name: string | undefined = MODEL): DriverContext {
  return { route, model: { provider: 'huggingface', name, options }, stream: false, clientPath: '/c', clientQuery: '' }
}
