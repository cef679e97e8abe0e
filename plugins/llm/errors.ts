// LLM errors with Kong's status and message. Drivers and formats throw these; the ai-proxy stages
// render them as `{"error":{"message":...}}` with the error's status.
import { errors, isGatewayError, type GatewayError } from '../../core/errors.ts'

/** 400 → llmBadRequest, anything else → llmFailed carrying that status (e.g. 500, 502). */
export function llmError(status: number, message: string): GatewayError {
  if (status === 400) return errors.llmBadRequest(message)
  const err = errors.llmFailed(message)
  if (status !== 500) Object.defineProperty(err, 'status', { value: status })
  return err
}

/** The status and message to answer with for anything thrown inside a stage. */
export function statusOf(e: unknown): { status: number; message: string } | null {
  if (isGatewayError(e) && (e.code === errors.llmBadRequest.code || e.code === errors.llmFailed.code || e.code === errors.llmIdentity.code)) {
    return { status: e.status, message: e.message }
  }
  return null
}
