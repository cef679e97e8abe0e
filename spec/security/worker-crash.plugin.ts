// Test-only plugin for worker-crash.integration.test.ts: ends the worker thread it runs in, the
// ways a real plugin bug could. Never loaded outside that test.
import { existsSync, writeFileSync } from 'node:fs'
import { isMainThread, threadId } from 'node:worker_threads'
import { Type } from 'typebox'
import { definePlugin, type AnyPlugin } from '../../core/plugins/contract.ts'

function crash(how: string): void {
  switch (how) {
    case 'timer-throw': setTimeout(() => { throw new Error('test crash: throw in a timer') }); break
    case 'unhandled-rejection': void Promise.reject(new Error('test crash: unhandled rejection')); break
    case 'process-exit': setImmediate(() => process.exit(7)); break
  }
}

export default definePlugin({
  name: 'worker-crash',
  version: '1.0.0',
  priority: 5,
  schema: Type.Object({
    /** configure ends the first worker thread that sees this file missing (it creates it) */
    die_once_file: Type.Optional(Type.String()),
  }),
  configure(_kong, configs) {
    const file = configs?.[0]?.die_once_file
    if (isMainThread || !file || existsSync(file)) return
    writeFileSync(file, String(threadId))
    process.exit(9)
  },
  access(kong) {
    const how = kong.request.getHeader('x-crash')
    if (how) crash(how)
    kong.response.exit(200, { thread: threadId }, { 'x-thread': String(threadId) })
  },
}) as AnyPlugin
