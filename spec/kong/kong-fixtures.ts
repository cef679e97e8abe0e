// Where Kong's own AI fixtures are: the folder named by KONG_AI_FIXTURES (Kong's spec fixtures for
// ai-proxy, kept outside this repository). These suites exist to prove conformance with Kong's
// files as they are; without the folder they cannot say anything, so they fail instead of skipping.
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'

function fixturesDir(): string {
  const dir = process.env.KONG_AI_FIXTURES
  if (!dir) throw new Error('KONG_AI_FIXTURES is not set: point it at the folder of Kong\'s AI fixtures (the one holding unit/, openai/, native/), e.g. KONG_AI_FIXTURES=/path/to/kong-ai-fixtures npm run test:kong')
  const abs = resolve(dir)
  if (!existsSync(abs) || !statSync(abs).isDirectory() || !existsSync(resolve(abs, 'unit'))) {
    throw new Error(`KONG_AI_FIXTURES=${dir} is not a folder of Kong's AI fixtures (no unit/ in it)`)
  }
  return abs
}

/** The fixtures folder with a trailing slash, so `KONG_FIXTURES + 'unit/…'` is a path. */
export const KONG_FIXTURES = `${fixturesDir()}/`
