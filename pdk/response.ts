// kong.response: the response sent to the client.
import type { RequestContext } from '../core/runloop/context.ts'
import { Phase } from '../core/runloop/phases.ts'
import { errors } from '../core/errors.ts'
import { applyEdit, getFlat, toObject, type HeaderEdit } from '../core/runloop/flat-headers.ts'
import { defaultMessage, JSON_CONTENT_TYPE, renderError } from '../core/runloop/error-body.ts'
import { checkPhase, PHASES } from './private/check-phase.ts'

type Headers = Record<string, string | string[]>

const hasCrLf = (v: string): boolean => v.indexOf('\r') !== -1 || v.indexOf('\n') !== -1
const badValue = (name: string): Error => errors.pdkArgument(`invalid header value for "${name}": contains CR or LF`)

export class PdkResponse {
  constructor(private readonly ctx: RequestContext) {}

  private edit(op: HeaderEdit[0], name: string, value: string | string[] | null): void {
    if (typeof name !== 'string' || name === '') throw errors.pdkArgument('header name must be a non-empty string')
    // a plain value (the common case: limiters set a dozen per request) is checked with no array or closure
    let v: string | string[] | null = null
    if (Array.isArray(value)) {
      v = value.map(String)
      for (let i = 0; i < v.length; i++) if (hasCrLf(v[i]!)) throw badValue(name)
    } else if (value !== null) {
      v = String(value)
      if (hasCrLf(v)) throw badValue(name)
    }
    if (this.ctx.responseHeaders && this.ctx.phase >= Phase.response) applyEdit(this.ctx.responseHeaders, op, name, v)
    else (this.ctx.headerEdits ??= []).push([op, name, v])
  }

  /** Status code of the response (the upstream's when proxied). @phases response, header_filter, body_filter, log */
  getStatus(): number { checkPhase(this.ctx, PHASES.responseRead); return this.ctx.status }

  /** First value of a response header. @phases response, header_filter, body_filter, log */
  getHeader(name: string): string | undefined {
    checkPhase(this.ctx, PHASES.responseRead)
    return this.ctx.responseHeaders ? getFlat(this.ctx.responseHeaders, name) : undefined
  }

  /** All response headers (lowercase names, arrays for repeats). @phases response, header_filter, body_filter, log */
  getHeaders(max = 100): Headers {
    checkPhase(this.ctx, PHASES.responseRead)
    return this.ctx.responseHeaders ? toObject(this.ctx.responseHeaders, max) : {}
  }

  /** `service` when proxied, `exit` after kong.response.exit, `error` after an error. @phases response, header_filter, body_filter, log */
  getSource(): 'service' | 'exit' | 'error' { checkPhase(this.ctx, PHASES.responseRead); return this.ctx.source }

  /** Sets the status sent to the client. @phases rewrite, access, response, balancer, header_filter */
  setStatus(status: number): void {
    checkPhase(this.ctx, PHASES.responseHeaders)
    if (!Number.isInteger(status) || status < 100 || status > 599) throw errors.pdkArgument('code must be a number between 100 and 599')
    if (this.ctx.exit) this.ctx.exit.status = status
    else this.ctx.status = status
  }

  /** Sets a response header, replacing earlier values. @phases rewrite, access, response, balancer, header_filter */
  setHeader(name: string, value: string | number | string[]): void { checkPhase(this.ctx, PHASES.responseHeaders); this.edit('set', name, value as string) }

  /** Adds a response header value. @phases rewrite, access, response, balancer, header_filter */
  addHeader(name: string, value: string | number | string[]): void { checkPhase(this.ctx, PHASES.responseHeaders); this.edit('add', name, value as string) }

  /** Removes a response header. @phases rewrite, access, response, balancer, header_filter */
  clearHeader(name: string): void { checkPhase(this.ctx, PHASES.responseHeaders); this.edit('clear', name, null) }

  /** Sets several response headers. @phases rewrite, access, response, balancer, header_filter */
  setHeaders(headers: Headers): void {
    checkPhase(this.ctx, PHASES.responseHeaders)
    for (const k of Object.keys(headers)) this.edit('set', k, headers[k]!)
  }

  /**
   * Ends the request with this response; the upstream is not called. A string or Buffer body is
   * sent as is, an object as JSON. Later access handlers are skipped; header_filter, body_filter
   * and log still run. Only the first exit counts.
   * @phases rewrite, access, response, header_filter
   * @example kong.response.exit(403, { message: 'Forbidden' })
   */
  exit(status: number, body?: unknown, headers?: Headers): void {
    checkPhase(this.ctx, PHASES.exit)
    if (!Number.isInteger(status) || status < 100 || status > 599) throw errors.pdkArgument('code must be a number between 100 and 599')
    if (this.ctx.exit && this.ctx.phase !== Phase.header_filter) return
    const flat: (string | Buffer)[] = []
    let payload: string | Buffer | null = null
    if (typeof body === 'string' || Buffer.isBuffer(body)) payload = body
    else if (body !== undefined && body !== null) {
      payload = JSON.stringify(body)
      flat.push('Content-Type', JSON_CONTENT_TYPE)
    }
    if (headers) for (const k of Object.keys(headers)) {
      const lower = k.toLowerCase()
      // the caller's Content-Type wins over the JSON default (which, when added, is the first pair)
      if (lower === 'content-type' && flat[0] === 'Content-Type' && flat[1] === JSON_CONTENT_TYPE) flat.splice(0, 2)
      if (lower === 'transfer-encoding' || lower === 'content-length') continue
      const v = headers[k]!
      for (const x of Array.isArray(v) ? v : [v]) {
        const text = String(x)
        // uWS writes values as given: a CR or LF would end the header line where the value's author chose
        if (/[\r\n]/.test(text)) throw errors.pdkArgument(`invalid header value for "${k}": contains CR or LF`)
        flat.push(k, text)
      }
    }
    this.ctx.exit = { status, body: payload, headers: flat }
    this.ctx.source = 'exit'
  }

  /**
   * Ends the request with Kong's error body (`{"message": ..., "request_id": ...}`, or HTML/XML/text
   * per the Accept header). The message defaults to Kong's text for the status.
   * @phases rewrite, access, response, header_filter
   */
  error(status: number, message?: string, headers?: Headers): void {
    checkPhase(this.ctx, PHASES.exit)
    if (!Number.isInteger(status) || status < 400 || status > 599) throw errors.pdkArgument('code must be a number between 400 and 599')
    const accept = headers?.['Content-Type'] ?? headers?.['content-type'] ?? this.ctx.headers.accept
    const { body, contentType } = renderError(message ?? defaultMessage(status), this.ctx.requestId, String(accept ?? ''))
    this.exit(status, body, { ...headers, 'Content-Type': contentType })
  }
}
