// The LLM layer's own error kinds, defined through core's factory (same brand, code and status as
// every other error), with Kong's status and message. Drivers and formats throw these; the
// ai-proxy stages render them as `{"error":{"message":...}}` with the error's status.
import { defineError, isGatewayError, type GatewayError } from '../../core/errors.ts'

export const llmErrors = {
  badRequest: defineError('GW_ERR_LLM_REQUEST', 400, (message: string) => message),
  failed: defineError('GW_ERR_LLM_RESPONSE', 500, (message: string) => message),
  identity: defineError('GW_ERR_LLM_IDENTITY', 500, () => 'LLM request failed before proxying'),
  /** registerProvider refused a registration (at module load, never during a request) */
  providerInvalid: defineError('GW_ERR_LLM_PROVIDER', 500, (id: string, why: string) => `LLM provider "${id}" cannot be registered because ${why}`),
} as const

const CODES: ReadonlySet<string> = new Set(Object.values(llmErrors).map((e) => e.code))

/** 400 → badRequest, anything else → failed carrying that status (e.g. 500, 502). */
export function llmError(status: number, message: string): GatewayError {
  if (status === 400) return llmErrors.badRequest(message)
  const err = llmErrors.failed(message)
  if (status !== 500) Object.defineProperty(err, 'status', { value: status })
  return err
}

/** The status and message to answer with for anything thrown inside a stage. */
export function statusOf(e: unknown): { status: number; message: string } | null {
  if (isGatewayError(e) && CODES.has(e.code)) return { status: e.status, message: e.message }
  return null
}
