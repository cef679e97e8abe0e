// ai-prompt-guard (Kong priority 771, access): refuses a request whose prompt matches a deny
// pattern, or matches none of the allow patterns, before ai-proxy converts or sends it. It reads
// the one request the AI plugins share (plugins/llm/pipeline/shared-request.ts), so it checks what
// the decorator added and a native format's messages. Every refusal is Kong's 400
// `{"error":{"message":"bad request"}}`: the reason is only logged, so clients cannot probe the
// patterns. Kong's kong/plugins/ai-prompt-guard/{handler,schema}.lua and filters/guard-prompt.lua.
import { definePlugin } from '../../core/plugins/contract.ts'
import type { FieldErrors } from '../../core/config/types.ts'
import { getClientFormat } from '../llm/registry.ts'
import { llmError } from '../llm/errors.ts'
import { bail } from '../llm/pipeline/stages.ts'
import { sharedRequest } from '../llm/pipeline/shared-request.ts'
import '../llm/bundled.ts'
import { schema, type GuardConf } from './schema.ts'
import { checkPatterns, compiledGuard } from './patterns.ts'
import { promptText } from './prompt-text.ts'

const BAD_REQUEST = 'bad request'

function check(conf: GuardConf): FieldErrors | null {
  const out: Record<string, FieldErrors> = checkPatterns(conf)
  const entity: string[] = []
  if (!conf.allow_patterns?.length && !conf.deny_patterns?.length) {
    entity.push("at least one of these fields must be non-empty: 'config.allow_patterns', 'config.deny_patterns'")
  }
  if (conf.match_all_roles && conf.allow_all_conversation_history) {
    entity.push("failed conditional validation given value of field 'config.match_all_roles'")
    out.allow_all_conversation_history = 'value must be false'
  }
  if (entity.length > 0) out['@entity'] = entity
  return Object.keys(out).length > 0 ? out : null
}

/** Why the prompt is refused, or null when it may pass (deny first, then allow, as Kong). */
function refusal(conf: GuardConf, text: string): string | null {
  const g = compiledGuard(conf)
  for (const re of g.deny) if (re.test(text)) return 'prompt pattern is blocked'
  if (g.allow.length === 0) return null
  for (const re of g.allow) if (re.test(text)) return null
  return "prompt doesn't match any allowed pattern"
}

export default definePlugin({
  name: 'ai-prompt-guard',
  version: '3.14.0',
  priority: 771,
  schema,
  check,
  // the patterns of every config compile at load, not on a request
  configure(_kong, configs) {
    if (configs) for (const conf of configs) compiledGuard(conf)
  },
  access(kong, conf) {
    const format = conf.llm_format === 'openai' ? null : getClientFormat(conf.llm_format) ?? null
    const s = sharedRequest(kong, { format, maxBodySize: conf.max_request_body_size, multipartRoute: false })
    const text = promptText(s.request, conf.match_all_roles, conf.allow_all_conversation_history)
    const why = text === null ? 'ai-prompt-guard only supports llm/v1/chat or llm/v1/completions prompts' : refusal(conf, text)
    if (why === null) return
    kong.log.info(`prompt refused: ${why}`)
    bail(kong, llmError(400, BAD_REQUEST))
  },
})
