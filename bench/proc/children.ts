/**
 * Every process the bench starts goes through spawnPinned: it runs under `taskset -c <cpu>` in its own process
 * group, keeps the tail of its output for error messages, and is killed (its whole group, by id) when the bench
 * ends, fails or is interrupted.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Last few KB of stdout+stderr. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<Child>();
const TAIL = 8192;

export interface SpawnOptions {
  cpu?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with every stdout chunk (for ready lines). */
  onStdout?: (text: string) => void;
  /** Give the process a stdin pipe (proc.stdin) instead of /dev/null. */
  stdin?: boolean;
}

export function spawnPinned(name: string, cmd: string, args: string[], opts: SpawnOptions = {}): Child {
  const argv = opts.cpu === undefined ? [cmd, ...args] : ['taskset', '-c', String(opts.cpu), cmd, ...args];
  const proc = spawn(argv[0], argv.slice(1), {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true,
    stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (b: Buffer): void => {
    tail = (tail + b.toString()).slice(-TAIL);
  };
  proc.stdout!.on('data', (b: Buffer) => {
    keep(b);
    opts.onStdout?.(b.toString());
  });
  proc.stderr!.on('data', keep);
  const exited = new Promise<number | string>((resolve) => {
    proc.on('exit', (code, sig) => resolve(code ?? sig ?? -1));
    proc.on('error', (err) => {
      keep(Buffer.from(String(err)));
      resolve(-1);
    });
  });
  const child: Child = {
    name,
    proc,
    pid: proc.pid ?? -1,
    output: () => tail,
    exited,
    async stop(graceMs = 2000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return void live.delete(child);
      signalGroup(child, 'SIGTERM');
      const t = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
      signalGroup(child, 'SIGKILL'); // leftovers in the group (workers the process forked)
      live.delete(child);
    },
  };
  exited.then(() => live.delete(child));
  live.add(child);
  return child;
}

function signalGroup(child: Child, sig: NodeJS.Signals): void {
  if (child.pid <= 0) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    /* already gone */
  }
}

/** Kills every process still running (synchronously: usable from an 'exit' handler). */
export function killAllChildren(): void {
  for (const c of live) signalGroup(c, 'SIGKILL');
  live.clear();
}

/** Make sure nothing outlives the bench: on normal exit, Ctrl-C, SIGTERM and uncaught errors. */
export function installCleanup(): void {
  process.on('exit', killAllChildren);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping ${live.size} process(es)\n`);
      killAllChildren();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (err) => {
    process.stderr.write(`bench: ${err.stack ?? err}\n`);
    killAllChildren();
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    process.stderr.write(`bench: ${(err as Error)?.stack ?? err}\n`);
    killAllChildren();
    process.exit(1);
  });
}

/** Runs a command to completion and returns its output (for wrk, apt-get, git, nginx -v). */
/** output runToEnd keeps (its end: wrk's summary, apt-get's error), so a command that floods its pipes cannot fill the bench's memory */
export const RUN_OUTPUT_CAP = 1 << 20;

export function runToEnd(name: string, cmd: string, args: string[], opts: SpawnOptions & { closeGraceMs?: number; outputCap?: number } = {}): Promise<{ code: number | string; out: string }> {
  const cap = opts.outputCap ?? RUN_OUTPUT_CAP;
  let out = '';
  // cut back to the cap only once the text is twice as long: each byte is copied O(1) times
  const take = (t: string): void => {
    out += t;
    if (out.length > 2 * cap) out = out.slice(-cap);
  };
  const c = spawnPinned(name, cmd, args, { ...opts, onStdout: take });
  c.proc.stderr!.on('data', (b: Buffer) => take(b.toString()));
  // 'close', not 'exit': a process can exit before its last stdout chunk is read, and a wrk whose summary
  // was still in the pipe came back as an empty output (one in a few hundred runs on a busy machine).
  // But a process it left behind (a daemon) may hold the pipes for good: 'close' would never come and the
  // bench would hang, so the exit ends the wait after a grace, with the output read by then.
  return new Promise((resolve) => {
    let grace: NodeJS.Timeout | undefined;
    const done = (code: number | string): void => {
      clearTimeout(grace);
      resolve({ code, out: out.length > cap ? out.slice(-cap) : out });
    };
    c.proc.once('close', (code, sig) => done(code ?? sig ?? -1));
    c.proc.once('error', () => done(-1));
    c.proc.once('exit', (code, sig) => {
      grace = setTimeout(() => {
        c.proc.stdout?.destroy();
        c.proc.stderr?.destroy();
        done(code ?? sig ?? -1);
      }, opts.closeGraceMs ?? 5000);
    });
  });
}
