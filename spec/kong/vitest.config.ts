// Kong conformance: the suites that read Kong's own AI fixtures from the folder KONG_AI_FIXTURES
// names (`npm run test:kong`). Without it they cannot run, and that is an error, not a skip.
import { defineConfig } from 'vitest/config'

if (!process.env.KONG_AI_FIXTURES) {
  throw new Error("KONG_AI_FIXTURES is not set: point it at the folder of Kong's AI fixtures (the one holding unit/, openai/, native/)")
}

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['spec/kong/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
