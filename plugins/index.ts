// The bundled plugins: the single list (Kong's BUNDLED_PLUGINS). `KONG_PLUGINS=bundled` loads all
// of these; a plugin not listed here is loaded by package name or path.
import type { AnyPlugin } from '../core/plugins/contract.ts'
import requestTermination from './request-termination/index.ts'

export const BUNDLED: AnyPlugin[] = [requestTermination as AnyPlugin]
