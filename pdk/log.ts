// kong.log: a logger namespaced by the running plugin, with Kong's level names.
import type { Logger } from 'pino'
import type { RequestContext } from '../core/runloop/context.ts'
import { pluginLog, rootLog } from '../core/log.ts'
import { checkPhase, PHASES } from './private/check-phase.ts'
import { latenciesOf, requestSizeOf, serialize, type LogRecord } from '../core/runloop/serialize.ts'
import { addEdit, addWriter, type SerializeMode, type SerializeWriter } from '../core/runloop/serialize-edits.ts'

export class PdkLog {
  constructor(private readonly ctx: RequestContext) {}

  private get l(): Logger { return this.ctx.currentPlugin ? pluginLog(this.ctx.currentPlugin.name) : rootLog }
  private write(level: 'debug' | 'info' | 'warn' | 'error' | 'fatal', args: unknown[]): void {
    if (!this.l.isLevelEnabled(level)) return
    this.l[level]({ request_id: this.ctx.requestId }, args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(''))
  }

  /** Debug-level message; arguments are concatenated as Kong does. @phases all */
  debug(...args: unknown[]): void { this.write('debug', args) }
  /** @phases all */
  info(...args: unknown[]): void { this.write('info', args) }
  /** @phases all */
  notice(...args: unknown[]): void { this.write('info', args) }
  /** @phases all */
  warn(...args: unknown[]): void { this.write('warn', args) }
  /** @phases all */
  err(...args: unknown[]): void { this.write('error', args) }
  /** @phases all */
  crit(...args: unknown[]): void { this.write('fatal', args) }
  /** @phases all */
  alert(...args: unknown[]): void { this.write('fatal', args) }
  /** @phases all */
  emerg(...args: unknown[]): void { this.write('fatal', args) }

  /**
   * Edits the record returned by serialize(): dotted keys (`\\.` for a literal dot), mode `set`
   * (default), `add` (only if absent) or `replace` (only if present). Kept as given and applied
   * when a record is built, so an edit costs nothing more on a request nobody serializes.
   * @phases rewrite, access, header_filter, response, body_filter, log
   */
  setSerializeValue(key: string, value: unknown, opts?: { mode?: SerializeMode }): void {
    checkPhase(this.ctx, PHASES.ctx)
    addEdit((this.ctx.serializeEdits ??= []), key, value, opts?.mode ?? 'set')
  }

  /**
   * Tollgate's: edits whose values cost something to make (several fields, a payload string).
   * `write` is called with setSerializeValue's setter only when serialize() builds a record, at this
   * call's place among the request's edits; it must read only what no longer changes (it may run
   * in a later phase, and once per record). A writer that throws is logged and its edits left out.
   * @phases rewrite, access, header_filter, response, body_filter, log
   */
  deferSerializeValues(write: SerializeWriter): void {
    checkPhase(this.ctx, PHASES.ctx)
    addWriter((this.ctx.serializeEdits ??= []), write)
  }

  /** Kong's log record for this request (request, response, latencies, route, service, consumer, ...). @phases log */
  serialize(): LogRecord { checkPhase(this.ctx, PHASES.log); return serialize(this.ctx) }

  // The accessors below give one field of serialize()'s record each, for a plugin that needs a
  // number per request (metrics) and not the record: serialize() copies and redacts every header.

  /**
   * serialize()'s `latencies` (ms: kong, proxy = -1 when the request never reached the service,
   * request, receive), without building the record. @phases log
   */
  getLatencies(): LogRecord['latencies'] { checkPhase(this.ctx, PHASES.log); return latenciesOf(this.ctx) }

  /** serialize()'s `request.size` (bytes), without building the record. @phases log */
  getRequestSize(): number { checkPhase(this.ctx, PHASES.log); return requestSizeOf(this.ctx) }

  /** serialize()'s `response.size` (bytes sent to the client), without building the record. @phases log */
  getResponseSize(): number { checkPhase(this.ctx, PHASES.log); return this.ctx.responseSize }
}
