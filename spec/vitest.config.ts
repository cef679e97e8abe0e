import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['spec/**/*.test.ts'],
    // spec/kong/ runs on Kong's own fixture files, which are not part of this repository:
    // `npm run test:kong` (spec/kong/vitest.config.ts) with KONG_AI_FIXTURES set
    exclude: ['spec/kong/**', '**/node_modules/**'],
    // integration tests open real sockets on 127.0.0.1; keep them in separate forks, few at a time
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
