// ai-prompt-template (Kong priority 773, access): a client names a configured template
// (`{"messages":"{template://NAME}","properties":{...}}`) and the rendered template replaces the
// whole request body before the other AI plugins parse it (shared-request.ts replaceRawBody).
// Kong's kong/plugins/ai-prompt-template/{handler,schema}.lua, filter render-prompt-template:
// its checks in its order, each a 400 `{"error":{"message":...}}`.
import { definePlugin } from '../../core/plugins/contract.ts'
import type { Kong } from '../../pdk/index.ts'
import { llmError } from '../llm/errors.ts'
import { bail } from '../llm/pipeline/stages.ts'
import { replaceRawBody } from '../llm/pipeline/shared-request.ts'
import { schema, type TemplateConf } from './schema.ts'
import { luaType, renderTemplate } from './render-template.ts'

const PREFIX = '{template://'
/** the rendered body's cap when max_request_body_size is 0 (unlimited): a template repeating a large property must not grow without bound */
const UNLIMITED_RENDER_CAP = 16 * 1024 * 1024

type Json = Record<string, unknown>

function jsonObject(raw: Buffer | undefined, max: number): Json | null {
  if (raw === undefined || raw.length === 0 || (max !== 0 && raw.length > max)) return null
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'))
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null
  } catch {
    return null
  }
}

const refuse = (kong: Kong, message: string): void => bail(kong, llmError(400, message))

function findTemplate(conf: TemplateConf, name: string): string | null {
  for (const t of conf.templates) if (t.name === name) return t.template
  return null
}

export default definePlugin({
  name: 'ai-prompt-template',
  version: '3.14.0',
  priority: 773,
  schema,
  access(kong, conf) {
    const raw = kong.request.getRawBody()
    if (conf.log_original_request && raw !== undefined) kong.log.setSerializeValue('ai.payload.original_request', raw.toString('utf8'))
    const body = jsonObject(raw, conf.max_request_body_size)
    if (body === null) return refuse(kong, 'this LLM route only supports application/json requests')
    const hasMessages = Object.hasOwn(body, 'messages')
    const hasPrompt = Object.hasOwn(body, 'prompt')
    if (hasMessages && hasPrompt) return refuse(kong, "cannot run 'messages' and 'prompt' templates at the same time")
    if (!hasMessages && !hasPrompt) return refuse(kong, "only 'llm/v1/chat' and 'llm/v1/completions' formats are supported for templating")

    const ref = hasMessages ? body.messages : body.prompt
    if (typeof ref !== 'string' || !ref.startsWith(PREFIX) || !ref.endsWith('}')) {
      if (conf.allow_untemplated_requests) return
      return refuse(kong, 'this LLM route only supports templated requests')
    }
    const name = ref.slice(PREFIX.length, -1)
    const template = findTemplate(conf, name)
    if (template === null) return refuse(kong, `could not find template name [${name}]`)

    const properties = Object.hasOwn(body, 'properties') ? body.properties : {}
    if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) return refuse(kong, 'properties must be an object')
    for (const k of Object.keys(properties)) {
      const v = (properties as Json)[k]
      if (typeof v !== 'string') return refuse(kong, `property values must be a string, got ${luaType(v)}`)
    }
    const cap = conf.max_request_body_size === 0 ? UNLIMITED_RENDER_CAP : conf.max_request_body_size
    const r = renderTemplate(template, properties as Json, cap)
    if (!r.ok) {
      if ('missing' in r) return refuse(kong, `missing template parameters: ${r.missing.map((n) => `[${n}]`).join(', ')}`)
      return bail(kong, llmError(413, 'Request size limit exceeded'))
    }
    replaceRawBody(kong, Buffer.from(r.text))
  },
})
