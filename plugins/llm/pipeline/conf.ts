// The configuration the stages run on: ai-proxy's `config`, and for ai-proxy-advanced one target
// merged with the plugin's top-level fields (build that merged object once per config load: the
// stages cache their compiled form per object identity). Its type is the schema's.
export type { LlmConf } from '../schema.ts'
