// The per-worker subscription point for LLM outcomes: every response of ai-proxy and
// ai-proxy-advanced ends in exactly one LlmOutcome, handed synchronously to each listener in
// subscription order. Listeners subscribe once (at module load or in a plugin's configure), not
// per request; a listener that throws is logged and does not keep the others from hearing it nor
// fail the request. Listeners run inside the LLM plugin's body_filter or log phase: they must not
// block and must not keep the outcome past the call if they need it later (copy what they need).
import { pluginLog } from '../../../core/log.ts'
import type { LlmOutcome } from './llm-outcome.ts'

export type OutcomeListener = (outcome: LlmOutcome) => void

const log = pluginLog('llm')
let listeners: readonly OutcomeListener[] = []

/** Subscribes to every LLM outcome of this worker; returns the unsubscribe. */
export function onLlmOutcome(listener: OutcomeListener): () => void {
  listeners = [...listeners, listener]
  return () => { listeners = listeners.filter((l) => l !== listener) }
}

/** Hands one outcome to the listeners (the pipeline calls it once per response). */
export function publishOutcome(outcome: LlmOutcome): void {
  const ls = listeners
  for (let i = 0; i < ls.length; i++) {
    try {
      ls[i]!(outcome)
    } catch (err) {
      log.error({ err }, 'LLM outcome listener failed')
    }
  }
}
