// What start-up loads: the bundled plugins (all of them, as `KONG_PLUGINS=bundled` loads), a
// serving thread's proxy server and its metrics, and the main thread's node (which serves when it
// is the only thread) must not import an SDK or library that only some configs use; each is
// imported when a config first needs it. Checked in a fresh process (this one has loaded them).
import { beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { ROOT } from '../../core/paths.ts'

/** Packages whose CommonJS files must not be loaded by importing the bundled plugins. */
const NOT_AT_START = [
  'undici', // https services, requests the H1 client leaves to it, http-log, embeddings (core/proxy/load-undici.ts)
  'prom-client', // the main thread's first scrape (core/status/node-metrics.ts)
  '@opentelemetry/api', // prom-client's dependency; the opentelemetry plugin encodes spans itself
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/otlp-transformer',
  '@smithy/signature-v4', // AWS SigV4: imported when a config uses bedrock auth
  '@smithy/hash-node',
  '@aws-sdk/credential-providers',
  '@azure/identity',
  'google-auth-library',
  'ioredis',
  'ws', // the upstream of a proxied WebSocket (core/server/websocket-session.ts)
  '@smithy/eventstream-codec', // Bedrock's event stream (plugins/llm/transcoders/aws-event-stream.ts)
  '@smithy/util-utf8',
  'pg',
  'fast-check',
]

let loaded: string[]

beforeAll(() => {
  const script = [
    "const { BUNDLED } = await import('./plugins/index.ts')",
    "await import('./core/status/thread-snapshot.ts')",
    "await import('./core/server/proxy-server.ts')",
    "await import('./core/node.ts')",
    "const { createRequire } = await import('node:module')",
    'console.log(JSON.stringify({ plugins: BUNDLED.length, files: Object.keys(createRequire(import.meta.url).cache) }))',
  ].join('\n')
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })
  const r = JSON.parse(out.trim().split('\n').pop()!) as { plugins: number; files: string[] }
  expect(r.plugins).toBeGreaterThan(10)
  loaded = r.files
})

describe('start-up imports', () => {
  it('loads the packages every config needs (the check sees CommonJS files at all)', () => {
    expect(loaded.some((f) => f.includes('/node_modules/pino/'))).toBe(true)
  })

  it.each(NOT_AT_START)('%s is not loaded by the bundled plugins', (pkg) => {
    expect(loaded.filter((f) => f.includes(`/node_modules/${pkg}/`))).toEqual([])
  })
})
