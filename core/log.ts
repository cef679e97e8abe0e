// The pino root logger. Kong's level names (notice, err, crit, ...) map onto pino levels so
// KONG_LOG_LEVEL takes Kong's values. Secrets are redacted by path before anything is written,
// and error messages and message strings are scrubbed of credentials by shape (below).
import pino, { type Logger } from 'pino'

const KONG_TO_PINO: Record<string, pino.LevelWithSilent> = {
  debug: 'debug', info: 'info', notice: 'info', warn: 'warn', error: 'error', err: 'error',
  crit: 'fatal', alert: 'fatal', emerg: 'fatal', silent: 'silent', off: 'silent',
}

export function pinoLevel(kongLevel: string | undefined): pino.LevelWithSilent {
  return KONG_TO_PINO[(kongLevel ?? 'notice').toLowerCase()] ?? 'info'
}

export const REDACT_PATHS = [
  'headers.authorization', 'headers["proxy-authorization"]', 'headers["api-key"]', 'headers["x-api-key"]',
  'headers["x-goog-api-key"]', 'headers.cookie', 'headers["set-cookie"]',
  '*.headers.authorization', '*.headers["api-key"]', '*.headers["x-api-key"]', '*.headers["x-goog-api-key"]', '*.headers.cookie',
  '*.header_value', '*.param_value', '*.azure_client_secret', '*.aws_secret_access_key', '*.gcp_service_account_json',
  // client libraries put their connection options on error objects (ioredis: the Redis password),
  // and config records (redis, pgvector) carry one
  '*.password', '*.*.password', '*.*.*.password',
]

// An error's text is whatever the code that threw put in it: a URL with `?key=` or user:password@,
// a header line, a bearer token. The log cannot know the values, so it scrubs them by shape.
const SCRUBS: [RegExp, string][] = [
  [/\b((?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]+/gi, '$1REDACTED'],
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi, '$1REDACTED@'],
  [/([?&;]((?:api[-_]?)?key|apikey|(?:access|api|id|refresh)[-_]?token|token|secret|client[-_]?secret|password|sig|signature|x-amz-(?:signature|security-token|credential))=)[^&\s"'#]+/gi, '$1REDACTED'],
  [/\b((?:proxy-)?authorization|(?:set-)?cookie|(?:x-)?api-key|x-goog-api-key|x-amz-security-token)(["']?\s*[:=]\s*["']?)(?!REDACTED)[^\s"',;}]+/gi, '$1$2REDACTED'],
]

/** `text` with credentials (bearer/basic tokens, URL user info, key/token query values, auth header values) replaced. */
export function scrubSecrets(text: string): string {
  let out = text
  for (const [re, to] of SCRUBS) out = out.replace(re, to)
  return out
}

/** pino's error serializer, with message and stack scrubbed (plain `{ message }` objects too). */
function scrubbedError(err: unknown): unknown {
  const o = pino.stdSerializers.err(err as Error) as unknown
  if (o === null || typeof o !== 'object') return typeof o === 'string' ? scrubSecrets(o) : o
  const copy: Record<string, unknown> = { ...(o as Record<string, unknown>) }
  for (const k of ['message', 'stack'] as const) if (typeof copy[k] === 'string') copy[k] = scrubSecrets(copy[k] as string)
  return copy
}

/** The root logger's options on any destination (tests pass a stream to read what is written). */
export function createLogger(level: pino.LevelWithSilent, destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: 'REDACTED' },
    serializers: { err: scrubbedError, error: scrubbedError },
    hooks: {
      // the message string and any string arguments
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = scrubSecrets(args[i] as string)
        return method.apply(this, args)
      },
    },
  }, destination!)
}

export const rootLog: Logger = createLogger(pinoLevel(process.env.KONG_LOG_LEVEL))

const pluginLoggers = new Map<string, Logger>()

/** One child per plugin name, created once (Kong's namespaced log facilities). */
export function pluginLog(name: string): Logger {
  let l = pluginLoggers.get(name)
  if (!l) pluginLoggers.set(name, (l = rootLog.child({ plugin: name })))
  return l
}
