// The loaded plugins of this node, with each schema compiled once. Implements the config loader's
// PluginSchemaSource: a plugin entity's config gets its defaults and is checked here, with errors
// in Kong's nested shape.
import { Compile, type Validator } from 'typebox/compile'
import Value from 'typebox/value'
import type { FieldErrors, PluginSchemaSource } from '../config/types.ts'
import { ErrorCollector } from '../config/field-errors.ts'
import { checkSchema } from '../config/schema-errors.ts'
import type { AnyPlugin } from './contract.ts'

interface Entry {
  plugin: AnyPlugin
  validator: Validator
}

export class PluginRegistry implements PluginSchemaSource {
  private readonly entries = new Map<string, Entry>()

  constructor(plugins: readonly AnyPlugin[]) {
    for (const plugin of plugins) this.entries.set(plugin.name, { plugin, validator: Compile(plugin.schema) })
  }

  has(name: string): boolean {
    return this.entries.has(name)
  }

  get(name: string): AnyPlugin | undefined {
    return this.entries.get(name)?.plugin
  }

  all(): AnyPlugin[] {
    return [...this.entries.values()].map((e) => e.plugin)
  }

  check(name: string, config: unknown): { ok: true; value: Record<string, unknown> } | { ok: false; errors: FieldErrors } {
    const e = this.entries.get(name)!
    const input = config === undefined || config === null ? {} : config
    if (typeof input !== 'object' || Array.isArray(input)) return { ok: false, errors: 'expected a record' }
    const value = Value.Default(e.plugin.schema, Value.Clone(input)) as Record<string, unknown>
    const out = new ErrorCollector()
    if (!checkSchema(e.validator, value, out, [])) return { ok: false, errors: out.root }
    const entity = e.plugin.check?.(value)
    return entity ? { ok: false, errors: entity } : { ok: true, value }
  }
}
