// `tollgate/plugin`: what a plugin author imports. The contract (definePlugin and its types), the
// PDK's types, the phase names, and TypeBox's `Type` from the gateway's own copy of typebox, so a
// plugin's schema is built by the same TypeBox that checks configs (one instance: `Kind` symbols
// and checks hold). A plugin package that adds an LLM provider also finds here what it registers
// with and what an OpenAI-compatible driver is made of. Nothing else of the gateway is public.
export { definePlugin, PHASE_METHODS, type PluginDefinition, type PluginHandlers, type BodyChunk } from '../core/plugins/contract.ts'
// entities of a plugin's own (Kong's daos.lua): declared on the plugin, looked up with kong.db.<name>
export { defineEntity, foreignKey, type EntityDeclaration, type EntityRow } from '../core/plugins/contract.ts'
export type { Kong } from '../pdk/index.ts'
export { Type, type Static, type TSchema } from 'typebox'

// LLM providers: registerProvider at the package's module load, before the gateway compiles the
// AI plugins' schemas (the registration's `options` fields join `model.options` then).
export { registerProvider, type ProviderRegistration, type OptionFields } from '../plugins/llm/registry.ts'
export type { DriverContext, LlmRequest, DecodedResponse, StreamTranscoder, UpstreamTarget, RouteType, EmbeddingsCall } from '../plugins/llm/types.ts'
export { requireOption, allOrNone, type CheckedConf } from '../plugins/llm/entity-checks.ts'
export { llmError } from '../plugins/llm/errors.ts'
export { embeddingsTarget, openAiVector, valueAt } from '../plugins/llm/embeddings-call.ts'
export { decodeOpenAi, encodeOpenAi, openAiStream } from '../plugins/llm/drivers/openai-shape.ts'

// Every ai-proxy / ai-proxy-advanced response ends in one LlmOutcome (complete, upstream failed or
// client aborted): subscribe once per worker, at module load or in init_worker, never per request.
export { onLlmOutcome, type OutcomeListener } from '../plugins/llm/outcome/outcome-bus.ts'
export type { LlmOutcome } from '../plugins/llm/outcome/llm-outcome.ts'

/** The phase methods a plugin may implement, in the order a request runs them. */
export type PhaseName = (typeof import('../core/plugins/contract.ts').PHASE_METHODS)[number]
