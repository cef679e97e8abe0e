// `tollgate/plugin`: what a plugin author imports. The contract (definePlugin and its types), the
// PDK's types, the phase names, and TypeBox's `Type` from the gateway's own copy of typebox, so a
// plugin's schema is built by the same TypeBox that checks configs (one instance: `Kind` symbols
// and checks hold). Nothing else of the gateway is public.
export { definePlugin, PHASE_METHODS, type PluginDefinition, type PluginHandlers, type BodyChunk } from '../core/plugins/contract.ts'
export type { Kong } from '../pdk/index.ts'
export { Type, type Static, type TSchema } from 'typebox'

/** The phase methods a plugin may implement, in the order a request runs them. */
export type PhaseName = (typeof import('../core/plugins/contract.ts').PHASE_METHODS)[number]
