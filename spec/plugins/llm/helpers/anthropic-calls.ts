// The anthropic driver called as the pipeline calls it, for its own suite (spec/plugins/llm/drivers)
// and the Kong-fixture suite (spec/kong/llm/drivers): a context, the encoded request, the decoded
// answer, and what a call threw.
import { anthropicDriver } from '../../../../plugins/llm/drivers/anthropic.ts'
import type { DriverContext, LlmRequest, ModelOptions, RouteType } from '../../../../plugins/llm/types.ts'
// drivers get the request as the pipeline merged it (plugins/llm/pipeline/option-defaults.ts)
import { withOptionDefaults } from '../../../../plugins/llm/pipeline/option-defaults.ts'

export function ctx(route: RouteType = 'llm/v1/chat', options: ModelOptions = {}, stream = false, name: string | null = 'claude-2.1'): DriverContext {
  return { route, model: { provider: 'anthropic', name: name ?? undefined, options: { anthropic_version: '2023-06-01', ...options } }, stream, clientPath: '/client/path', clientQuery: 'a=1' }
}
export const encode = (req: LlmRequest, c = ctx()) => JSON.parse(anthropicDriver.encodeRequest(withOptionDefaults(req, c.model.options), Buffer.from(JSON.stringify(req)), c)!)
export const decode = (res: unknown, c = ctx()) =>
  anthropicDriver.decodeResponse(Buffer.isBuffer(res) ? res : Buffer.from(typeof res === 'string' ? res : JSON.stringify(res)), c)
export function thrown(fn: () => unknown): { code: string; status: number; message: string } {
  try { fn() } catch (e) { return e as { code: string; status: number; message: string } }
  throw new Error('expected a throw')
}
