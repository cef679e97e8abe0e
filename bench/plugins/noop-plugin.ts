/**
 * A plugin that does nothing in access, header_filter and log: five of them measure what the phase runner costs
 * per plugin. Loaded by path (KONG_PLUGINS=bundled,<path>...), the way a third-party plugin is.
 */
import { Type } from 'typebox';
import { definePlugin } from '../../core/plugins/contract.ts';

export function noopPlugin(name: string, priority: number) {
  return definePlugin({
    name,
    version: '1.0.0',
    priority,
    schema: Type.Object({}),
    access() {},
    header_filter() {},
    log() {},
  });
}
