// ai-prompt-decorator (Kong priority 772, access): adds the configured messages before and after
// the client's chat. The decorated request becomes the one the AI plugins share (so the prompt
// guard checks it and ai-proxy converts it) and the body sent upstream, in the client's own format
// (decorate-body.ts). Kong's kong/plugins/ai-prompt-decorator/{handler,schema}.lua, filter
// decorate-prompt.
import { definePlugin } from '../../core/plugins/contract.ts'
import type { FieldErrors } from '../../core/config/types.ts'
import { getClientFormat } from '../llm/registry.ts'
import { llmError } from '../llm/errors.ts'
import { bail } from '../llm/pipeline/stages.ts'
import { replaceRequest, sharedRequest } from '../llm/pipeline/shared-request.ts'
import '../llm/bundled.ts'
import { schema, type DecoratorConf } from './schema.ts'
import { decorateBody } from './decorate-body.ts'

const NOT_CHAT = 'this LLM route only supports llm/chat type requests'
const NONE: readonly never[] = Object.freeze([])

function check(conf: DecoratorConf): FieldErrors | null {
  if (conf.prompts?.prepend?.length || conf.prompts?.append?.length) return null
  return { '@entity': ["at least one of these fields must be non-empty: 'config.prompts.prepend', 'config.prompts.append'"] }
}

export default definePlugin({
  name: 'ai-prompt-decorator',
  version: '3.14.0',
  priority: 772,
  schema,
  check,
  access(kong, conf) {
    const format = conf.llm_format === 'openai' ? null : getClientFormat(conf.llm_format) ?? null
    const s = sharedRequest(kong, { format, maxBodySize: conf.max_request_body_size, multipartRoute: false })
    const messages: unknown = s.request?.messages
    if (s.body === null || !Array.isArray(messages) || messages.length === 0) return bail(kong, llmError(400, NOT_CHAT))
    const prompts = { prepend: conf.prompts?.prepend ?? NONE, append: conf.prompts?.append ?? NONE }
    const body = decorateBody(s.llmFormat, s.body, prompts)
    if (body === null) return bail(kong, llmError(400, NOT_CHAT))
    const request = format === null ? body : format.parseRequest(body, kong.request.getPath()).request
    replaceRequest(kong, s, body, request, Buffer.from(JSON.stringify(body)))
  },
})
