// The pino root logger. Kong's level names (notice, err, crit, ...) map onto pino levels so
// KONG_LOG_LEVEL takes Kong's values. Secrets are redacted by path before anything is written.
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
  '*.headers.authorization', '*.headers["api-key"]', '*.headers["x-api-key"]',
  '*.header_value', '*.param_value', '*.azure_client_secret', '*.aws_secret_access_key', '*.gcp_service_account_json',
]

export const rootLog: Logger = pino({
  level: pinoLevel(process.env.KONG_LOG_LEVEL),
  base: { pid: process.pid },
  redact: { paths: REDACT_PATHS, censor: 'REDACTED' },
})

const pluginLoggers = new Map<string, Logger>()

/** One child per plugin name, created once (Kong's namespaced log facilities). */
export function pluginLog(name: string): Logger {
  let l = pluginLoggers.get(name)
  if (!l) pluginLoggers.set(name, (l = rootLog.child({ plugin: name })))
  return l
}
