/**
 * Config-load work (not per request, measured anyway): the plugin registry's check of one ai-proxy config
 * (core/plugins/registry.ts `check('ai-proxy', config)`: clone, TypeBox defaults, the compiled validator, Kong's entity
 * checks), with its steps apart as baselines; then `loadConfig` (core/config/load.ts) on a 50-route kong.yaml for an
 * AI gateway, with the bundled plugins' registry as its PluginSchemaSource.
 *
 *   node --import tsx bench/micro/schema-check.bench.ts
 */
import assert from 'node:assert/strict';
import { Compile } from 'typebox/compile';
import Value from 'typebox/value';
import { stringify } from 'yaml';
import { loadConfig, parseDeclarative } from '../../core/config/load.ts';
import { PluginRegistry } from '../../core/plugins/registry.ts';
import aiProxy from '../../plugins/ai-proxy/index.ts';
import { BUNDLED } from '../../plugins/index.ts';
import { aiProxy as aiProxyConf } from '../scenarios/kong-config.ts';
import { compare } from './measure.ts';

const MOCK = 'http://127.0.0.1:8080';
const openai = aiProxyConf('openai', MOCK).config!;
const anthropic = aiProxyConf('anthropic', MOCK).config!;

const registry = new PluginRegistry([aiProxy]);
const checked = registry.check('ai-proxy', openai);
assert.ok(checked.ok, 'the OpenAI config is valid');
assert.ok(registry.check('ai-proxy', anthropic).ok, 'the Anthropic config is valid');
const withDefaults = checked.value;
const validator = Compile(aiProxy.schema);
assert.ok(validator.Check(withDefaults));

/** 10 services × 5 routes, an ai-proxy per route (OpenAI and Anthropic in turn), key-auth per service,
 * correlation-id global, 20 consumers with a key each: what an AI gateway's kong.yaml looks like. */
function kongYaml(routes: number): string {
  const services = [];
  for (let s = 0; s < routes / 5; s++) {
    const rs = [];
    for (let r = 0; r < 5; r++) {
      const i = s * 5 + r;
      const conf = structuredClone(i % 2 === 0 ? openai : anthropic) as { model: { name: string } };
      conf.model.name = `${conf.model.name}-${i}`;
      rs.push({ name: `chat-${i}`, paths: [`/team${s}/llm${r}`], methods: ['POST'], strip_path: true,
        plugins: [{ name: 'ai-proxy', config: conf }] });
    }
    services.push({ name: `team-${s}`, url: `${MOCK}/v1`, routes: rs,
      plugins: [{ name: 'key-auth', config: { key_names: ['apikey', 'x-api-key'], hide_credentials: true } }] });
  }
  const consumers = Array.from({ length: 20 }, (_, i) => ({ username: `user-${i}`, keyauth_credentials: [{ key: `key-${i}-0123456789abcdef` }] }));
  return stringify({ _format_version: '3.0', services, consumers,
    plugins: [{ name: 'correlation-id', config: { header_name: 'X-Request-Id', generator: 'uuid#counter' } }] });
}

const yaml = kongYaml(50);
const json = JSON.stringify(parseDeclarative(yaml));
const bundled = new PluginRegistry(BUNDLED);
const snap = loadConfig(yaml, { plugins: bundled });
assert.equal(snap.routes.length, 50);
assert.equal(snap.plugins.length, 50 + 10 + 1);

console.log(`schema-check (node ${process.version})`);
compare('PluginRegistry.check(\'ai-proxy\', config) (config load, per plugin entity)', {
  'check, OpenAI config': () => registry.check('ai-proxy', openai),
  'check, Anthropic config': () => registry.check('ai-proxy', anthropic),
  'step: Value.Clone': () => Value.Clone(openai),
  'step: Value.Default on a clone': () => Value.Default(aiProxy.schema, Value.Clone(openai)),
  'step: compiled Check (defaults applied)': () => validator.Check(withDefaults),
  'step: entity checks (plugin.check)': () => aiProxy.check!(withDefaults as never),
}, { timeMs: 300, warmupMs: 100 });
compare(`loadConfig: 50 routes, 61 plugins, 20 consumers (${yaml.length} B YAML, ${json.length} B JSON)`, {
  'loadConfig, YAML': () => loadConfig(yaml, { plugins: bundled }),
  'loadConfig, JSON text': () => loadConfig(json, { plugins: bundled }),
  'baseline: parseDeclarative (YAML parse only)': () => parseDeclarative(yaml),
}, { timeMs: 600, warmupMs: 200 });
