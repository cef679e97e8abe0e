// Runs the real `tollgate` command in a child process.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../core/bin.mjs', import.meta.url))

export interface Started { child: ChildProcess; output: () => string; stop: () => Promise<void> }

/** Starts `tollgate start ...` and resolves once it logged its listening line (or rejects when it exits). */
export function startCli(args: string[], env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, [BIN, 'start', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const stop = () => new Promise<void>((r) => { if (child.exitCode !== null) return r(); child.once('exit', () => r()); child.kill('SIGTERM') })
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString()
      if (out.includes('listening: proxy')) resolve({ child, output: () => out, stop })
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)))
  })
}

/** Runs the command to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { out += d.toString() })
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code: code ?? -1, out })))
}
