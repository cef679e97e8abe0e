// OpenAI-compatible files on Gemini AI Studio (`llm/v1/files`), the input and output of batches:
//   files.create   OpenAI's multipart form (`purpose: batch`, a JSONL of chat requests) → each line
//                  converted to Gemini's batch line `{key, request}` and uploaded with
//                  POST /upload/v1beta/files?uploadType=multipart (multipart/related)
//   files.retrieve GET /v1beta/files/{id}        files.list GET /v1beta/files
//   files.delete   DELETE /v1beta/files/{id}
//   files.content  GET /download/v1beta/files/{id}:download?alt=media, a batch's result lines
//                  `{key, response}` converted back to OpenAI's batch output lines
// Vertex and Bedrock have no files API (their batches read Cloud Storage and S3): refused there
// by their drivers. https://ai.google.dev/api/files  https://ai.google.dev/gemini-api/docs/batch-mode
import { randomUUID } from 'node:crypto'
import { isJsonObject } from '../../../../core/safe-merge.ts'
import { llmError } from '../../errors.ts'
import type { DecodedResponse, DriverContext, LlmRequest, RewrittenCall } from '../../types.ts'
import { resourceSuffix } from '../../openai-api-routes.ts'
import { ID_SEGMENT } from '../native-operations.ts'
import { markConverted, requireConvertedBody, requireModel } from '../converted-body.ts'
import { answer, count, listLimit, unixSeconds } from '../batch-jobs.ts'
import { ConversionError, toGeminiChat } from './encode-request.ts'
import { toOpenAiCompletion, type GeminiResponse } from './decode-response.ts'

export const FILES_ROUTE = 'llm/v1/files'

/** OpenAI's batch input limits: 50,000 requests, 200 MB; the gateway converts at most 32 MiB in memory. */
export const MAX_UPLOAD_BYTES = 32 * 1024 * 1024
export const MAX_BATCH_LINES = 50_000

type Json = Record<string, unknown>
type FilesCall = { kind: 'create' | 'list' } | { kind: 'retrieve' | 'delete' | 'content'; id: string }

const FILE_ID = new RegExp(`^${ID_SEGMENT}$`)

function bad(why: string): never {
  throw llmError(400, `error transforming to gemini://${FILES_ROUTE}: ${why}`)
}

export function filesCall(ctx: DriverContext): FilesCall {
  const method = ctx.clientMethod ?? 'POST'
  const rest = resourceSuffix('files', ctx.clientPath)
  const notAllowed = (): never => { throw llmError(405, `method ${method.length <= 16 ? method : 'given'} is not allowed for this gemini files operation`) }
  if (rest === '' || rest === '/') return method === 'POST' ? { kind: 'create' } : method === 'GET' ? { kind: 'list' } : notAllowed()
  const m = /^\/([^/]{1,256})(\/content)?$/.exec(rest)
  if (m === null || !FILE_ID.test(m[1])) throw llmError(404, 'the gemini files route has no such operation')
  if (m[2] !== undefined) return method === 'GET' ? { kind: 'content', id: m[1] } : notAllowed()
  return method === 'GET' ? { kind: 'retrieve', id: m[1] } : method === 'DELETE' ? { kind: 'delete', id: m[1] } : notAllowed()
}

export function geminiFilesTarget(ctx: DriverContext): { path: string; query: string } {
  const call = filesCall(ctx)
  switch (call.kind) {
    case 'create': requireConvertedBody(ctx); return { path: '/upload/v1beta/files', query: 'uploadType=multipart' }
    case 'list': {
      const limit = listLimit(ctx)
      return { path: '/v1beta/files', query: limit === null ? '' : `pageSize=${limit}` }
    }
    case 'retrieve': case 'delete': return { path: `/v1beta/files/${call.id}`, query: '' }
    case 'content': return { path: `/download/v1beta/files/${call.id}:download`, query: 'alt=media' }
  }
}

interface FormPart { name: string; filename: string | null; data: Buffer }

/** The parts of a multipart/form-data body (RFC 7578), or null when it is not one. */
function formParts(raw: Buffer, contentType: string): FormPart[] | null {
  const b = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType)
  if (b === null) return null
  const delimiter = Buffer.from(`\r\n--${b[1] ?? b[2]}`)
  // the body starts with the delimiter without its CRLF
  const body = Buffer.concat([Buffer.from('\r\n'), raw])
  const parts: FormPart[] = []
  let at = body.indexOf(delimiter)
  while (at >= 0 && parts.length < 16) {
    const start = at + delimiter.length
    if (body[start] === 0x2d && body[start + 1] === 0x2d) return parts // closing delimiter
    const headEnd = body.indexOf('\r\n\r\n', start)
    const next = headEnd < 0 ? -1 : body.indexOf(delimiter, headEnd + 4)
    if (next < 0) return null
    const head = body.subarray(start, headEnd).toString('latin1')
    const disposition = /content-disposition:\s*form-data\s*;([^\r\n]*)/i.exec(head)?.[1] ?? ''
    const name = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1]
    const filename = /(?:^|;)\s*filename="([^"]*)"/i.exec(disposition)?.[1] ?? null
    if (name !== undefined) parts.push({ name, filename, data: body.subarray(headEnd + 4, next) })
    at = next
  }
  return null
}

/** One OpenAI batch line → Gemini's `{key, request}`. */
function toGeminiLine(line: string, n: number, model: string): string {
  let v: unknown
  try {
    v = JSON.parse(line)
  } catch {
    bad(`line ${n} is not JSON`)
  }
  if (!isJsonObject(v) || typeof v.custom_id !== 'string' || !isJsonObject(v.body)) bad(`line ${n} must have 'custom_id' and 'body'`)
  if (v.url !== undefined && v.url !== '/v1/chat/completions') bad(`line ${n}: only '/v1/chat/completions' is supported`)
  const req = v.body as LlmRequest
  if (req.model !== undefined && req.model !== model) bad(`line ${n}: cannot use own model - must be: ${model}`)
  if (!Array.isArray(req.messages) || req.messages.length === 0) bad(`line ${n}: request body doesn't contain valid prompts`)
  try {
    return JSON.stringify({ key: v.custom_id, request: toGeminiChat(req, model) })
  } catch (e) {
    // as the chat route: whatever the converter cannot read is the client's request, a 400
    bad(e instanceof ConversionError ? `line ${n}: ${e.message}` : `line ${n} could not be converted`)
  }
}

/** files.create: OpenAI's multipart form → Gemini's multipart/related upload of the converted JSONL. */
export function toGeminiUpload(ctx: DriverContext, raw: Buffer | null, contentType: string | undefined): RewrittenCall | null {
  if (filesCall(ctx).kind !== 'create') return null
  const model = requireModel(ctx)
  if (contentType === undefined || !/^multipart\/form-data/i.test(contentType)) bad('files.create takes a multipart form')
  // a body past client_body_buffer_size is streamed, not buffered: it cannot be converted
  if (raw === null) bad('the upload is larger than the gateway buffers (client_body_buffer_size)')
  if (raw.length > MAX_UPLOAD_BYTES) bad(`the file is larger than ${MAX_UPLOAD_BYTES} bytes`)
  const parts = formParts(raw, contentType)
  if (parts === null) bad('the multipart form could not be read')
  const purpose = parts.find((p) => p.name === 'purpose')?.data.toString('utf8')
  if (purpose !== 'batch') bad("only files of purpose 'batch' are supported")
  const file = parts.find((p) => p.name === 'file')
  if (file === undefined) bad("the form has no 'file'")
  const lines: string[] = []
  let n = 0
  for (const line of file.data.toString('utf8').split('\n')) {
    n++
    if (line.trim() === '') continue
    if (lines.length === MAX_BATCH_LINES) bad(`a batch file takes at most ${MAX_BATCH_LINES} requests`)
    lines.push(toGeminiLine(line, n, model))
  }
  if (lines.length === 0) bad('the file has no requests')
  const boundary = `tollgate-${randomUUID()}`
  const displayName = (file.filename ?? 'batch.jsonl').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 128)
  const meta = JSON.stringify({ file: { displayName, mimeType: 'application/jsonl' } })
  const body = `--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${meta}\r\n--${boundary}\r\nContent-Type: application/jsonl\r\n\r\n${lines.join('\n')}\n\r\n--${boundary}--\r\n`
  markConverted(ctx)
  return { method: 'POST', body, contentType: `multipart/related; boundary=${boundary}` }
}

/** A Gemini File → OpenAI's File object (id: the file's last segment, what batches take back). */
function fileObject(f: Json): Json | null {
  if (typeof f.name !== 'string') return null
  return {
    id: f.name.slice(f.name.lastIndexOf('/') + 1),
    object: 'file',
    bytes: count(f.sizeBytes),
    created_at: unixSeconds(f.createTime) ?? Math.floor(Date.now() / 1000),
    expires_at: unixSeconds(f.expirationTime),
    filename: typeof f.displayName === 'string' ? f.displayName : null,
    purpose: 'batch',
    status: f.state === 'FAILED' ? 'error' : 'processed',
  }
}

/** One Gemini result line `{key, response | error}` → OpenAI's batch output line; other lines as they are. */
function toOpenAiLine(line: string, n: number, model: string): string {
  let v: unknown
  try {
    v = JSON.parse(line)
  } catch {
    return line
  }
  if (!isJsonObject(v) || (v.response === undefined && v.error === undefined)) return line
  const id = `batch_req_${n}`
  const customId = typeof v.key === 'string' ? v.key : null
  if (isJsonObject(v.response) && Array.isArray(v.response.candidates)) {
    const { body } = toOpenAiCompletion(v.response as GeminiResponse, model, false)
    return JSON.stringify({ id, custom_id: customId, response: { status_code: 200, request_id: id, body }, error: null })
  }
  const e = isJsonObject(v.error) ? v.error : {}
  return JSON.stringify({ id, custom_id: customId, response: null, error: { code: String(e.code ?? 'failed'), message: typeof e.message === 'string' ? e.message : 'request failed' } })
}

function failed(): never {
  throw llmError(500, `transformation failed from type gemini://${FILES_ROUTE}: failed to decode the files answer`)
}

export function fromGeminiFiles(body: Buffer, ctx: DriverContext): DecodedResponse {
  const call = filesCall(ctx)
  if (call.kind === 'content') {
    const model = ctx.model.name ?? ''
    const out: string[] = []
    let n = 0
    for (const line of body.toString('utf8').split('\n')) if (line.trim() !== '') out.push(toOpenAiLine(line, ++n, model))
    return { body: out.length === 0 ? '' : `${out.join('\n')}\n`, usage: null, model: null }
  }
  let res: unknown
  try {
    res = body.length === 0 ? {} : JSON.parse(body.toString('utf8'))
  } catch {
    failed()
  }
  if (!isJsonObject(res)) failed()
  switch (call.kind) {
    case 'delete': return answer({ id: call.id, object: 'file', deleted: true })
    case 'list': {
      const data: Json[] = []
      for (const f of Array.isArray(res.files) ? res.files : []) {
        const o = isJsonObject(f) ? fileObject(f) : null
        if (o !== null) data.push(o)
      }
      return answer({ object: 'list', data, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null, has_more: typeof res.nextPageToken === 'string' && res.nextPageToken !== '' })
    }
    default: return answer(fileObject(isJsonObject(res.file) ? res.file : res) ?? failed())
  }
}
