// A throwaway PostgreSQL with pgvector for the semantic-routing tests: initdb into a temp dir,
// start on a free port on 127.0.0.1, trust auth. `null` (with the reason) when the server or the
// pgvector extension is not installed, so the tests skip saying why.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { closedPort } from '../../../helpers/upstream.ts'

export interface TestPostgres { port: number; stop(): Promise<void> }

function binDir(): string | null {
  const r = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' })
  if (r.status === 0 && existsSync(join(r.stdout.trim(), 'postgres'))) return r.stdout.trim()
  for (const v of ['17', '16', '15']) if (existsSync(`/usr/lib/postgresql/${v}/bin/postgres`)) return `/usr/lib/postgresql/${v}/bin`
  return null
}

export function postgresMissing(): string | null {
  const bin = binDir()
  if (bin === null) return 'PostgreSQL is not installed'
  const version = bin.match(/postgresql\/(\d+)/)?.[1]
  const share = spawnSync('pg_config', ['--sharedir'], { encoding: 'utf8' }).stdout?.trim() || `/usr/share/postgresql/${version}`
  if (!existsSync(join(share, 'extension', 'vector.control'))) return `pgvector is not installed (no ${join(share, 'extension', 'vector.control')}; Debian: postgresql-${version}-pgvector)`
  return null
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` system user */
const asRoot = process.getuid?.() === 0
function command(file: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args]
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir()!
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-pg-'))
  if (asRoot) chownSync(dir, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()), Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()))
  const init = spawnSync(...command(join(bin, 'initdb'), ['-D', dir, '-U', 'postgres', '-A', 'trust', '--no-sync']), { encoding: 'utf8' })
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`)
  const port = await closedPort()
  const proc: ChildProcess = spawn(...command(join(bin, 'postgres'), ['-D', dir, '-p', String(port), '-k', dir, '-h', '127.0.0.1', '-F']), { stdio: ['ignore', 'pipe', 'pipe'] })
  await new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => { if (b.toString().includes('ready to accept connections')) resolve() }
    proc.stderr!.on('data', onData)
    proc.stdout!.on('data', onData)
    proc.once('exit', (code) => reject(new Error(`postgres exited with ${code}`)))
  })
  const create = spawnSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-c', 'CREATE DATABASE "kong-pgvector"'], { encoding: 'utf8' })
  if (create.status !== 0) throw new Error(`createdb failed: ${create.stderr}`)
  return {
    port,
    stop: () => new Promise<void>((resolve) => {
      proc.once('exit', () => { rmSync(dir, { recursive: true, force: true }); resolve() })
      // the postmaster itself (under runuser, proc is runuser): its pid is in postmaster.pid
      const pid = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0])
      process.kill(pid, 'SIGINT')
    }),
  }
}
