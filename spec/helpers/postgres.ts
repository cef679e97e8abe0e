// A throwaway PostgreSQL with pgvector for the semantic-routing tests, on a free port on 127.0.0.1.
// The Debian server when it has the pgvector extension (initdb into a temp dir, trust auth).
// Debian 12 does not package pgvector, so otherwise: PGlite, PostgreSQL compiled to WebAssembly
// with the real pgvector extension (npm @electric-sql/pglite-pgvector), served over PostgreSQL's
// wire protocol by @electric-sql/pglite-socket, so the store still talks to it with `pg` over TCP.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { closedPort } from '../../public/testing/upstream.ts'

export interface TestPostgres {
  port: number
  /** a query from the test's side (PGlite: in-process, since its socket takes one connection at a time) */
  query(sql: string): Promise<Record<string, unknown>[]>
  stop(): Promise<void>
}

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

/** PGlite with pgvector behind a wire-protocol socket (one connection at a time, as PGlite is). */
async function startPglite(): Promise<TestPostgres> {
  const { PGlite } = await import('@electric-sql/pglite')
  const { vector } = await import('@electric-sql/pglite-pgvector')
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket')
  const db = await PGlite.create({ extensions: { vector } })
  const port = await closedPort()
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1' })
  await server.start()
  return {
    port,
    query: async (sql) => (await db.query<Record<string, unknown>>(sql)).rows,
    stop: async () => { await server.stop(); await db.close() },
  }
}

export async function startPostgres(): Promise<TestPostgres> {
  if (postgresMissing() !== null) return startPglite()
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
    query: async (sql) => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'kong-pgvector' })
      await client.connect()
      try { return (await client.query(sql)).rows as Record<string, unknown>[] } finally { await client.end() }
    },
    stop: () => new Promise<void>((resolve) => {
      proc.once('exit', () => { rmSync(dir, { recursive: true, force: true }); resolve() })
      // the postmaster itself (under runuser, proc is runuser): its pid is in postmaster.pid
      const pid = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0])
      process.kill(pid, 'SIGINT')
    }),
  }
}
