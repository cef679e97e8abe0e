// file-log (Kong priority 9): appends Kong's log record (kong.log.serialize()) as one JSON line
// per request to a file.
import { Type } from 'typebox'
import { definePlugin } from '../../core/plugins/contract.ts'
import { appendLine } from './writer.ts'

const schema = Type.Object({
  path: Type.String({ pattern: '^[^*&%\\\\`]+$', errorMessage: 'not a valid filename' }),
  reopen: Type.Boolean({ default: false }),
}, { additionalProperties: false })

export default definePlugin({
  name: 'file-log',
  version: '1.0.0',
  priority: 9,
  schema,
  log(kong, conf) {
    appendLine(conf.path, `${JSON.stringify(kong.log.serialize())}\n`, conf.reopen)
  },
})
