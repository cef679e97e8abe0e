// A throwaway redis-server on a free port on 127.0.0.1 (no persistence) for the shared-state
// tests; `redisMissing()` gives the reason to skip when it is not installed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closedPort } from '../../public/testing/upstream.ts'

export interface TestRedis { port: number; stop(): Promise<void> }

export function redisMissing(): string | null {
  if (spawnSync('redis-server', ['--version']).status === 0) return null
  // CI installs the server (.ci/run sets TOLLGATE_REQUIRE_SERVERS=1): there a missing one fails
  // the run instead of skipping its suites
  if (process.env.TOLLGATE_REQUIRE_SERVERS === '1') throw new Error('redis-server is not installed, and TOLLGATE_REQUIRE_SERVERS=1')
  return 'redis-server is not installed'
}

export async function startRedis(): Promise<TestRedis> {
  const port = await closedPort()
  const proc: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('Ready to accept connections')) resolve() })
    proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)))
  })
  return {
    port,
    stop: () => new Promise<void>((resolve) => { proc.once('exit', () => resolve()); proc.kill('SIGTERM') }),
  }
}
