// Kong's ai-proxy (kong/plugins/ai-proxy/handler.lua): the shared LLM stages, nothing of its own.
// Clients talk OpenAI's API (or a native llm_format); the configured provider gets its own.
import { definePlugin } from '../../core/plugins/contract.ts'
import '../llm/bundled.ts'
import { llmAccess, llmBodyFilter, llmHeaderFilter, llmLog, llmUpstreamFrame, llmClientFrame } from '../llm/pipeline/stages.ts'
import { compiledConf } from '../llm/pipeline/compile.ts'
import { check, schema } from './schema.ts'

export default definePlugin({
  name: 'ai-proxy',
  version: '3.10.0',
  priority: 770,
  /** composed from the provider registry when the plugin registry compiles (schema.ts) */
  get schema() { return schema() },
  check,
  /** the provider credential it adds upstream (header or query parameter) is hidden from log records */
  secrets: (conf) => ({ headers: [conf.auth?.header_name], query: [conf.auth?.param_name] }),
  /** compile every config at load, so the first request does no set-up work */
  configure(_kong, configs) {
    if (!configs) return
    for (const conf of configs) {
      // a config that cannot compile (no driver registered) answers its error per request instead
      try { compiledConf(conf) } catch { /* reported by access */ }
    }
  },
  access: (kong, conf) => llmAccess(kong, conf),
  header_filter: (kong) => llmHeaderFilter(kong),
  body_filter: (kong, _conf, chunk) => llmBodyFilter(kong, chunk),
  /** a response that did not end in body_filter (client gone, upstream failed mid-answer) ends here */
  log: (kong) => llmLog(kong),
  /** a realtime session's upstream messages: read for their usage, relayed unchanged */
  ws_upstream_frame: (kong, _conf, frame) => llmUpstreamFrame(kong, frame),
  /** a Gemini Live session's client messages: the setup's model read (and vetted), the rest relayed unchanged */
  ws_client_frame: (kong, _conf, frame) => llmClientFrame(kong, frame),
})
