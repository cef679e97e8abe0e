import { spawnPinned, type Child } from '../proc/children.ts';

/** `floor`: the bare uWS + undici proxy (bench/floor/server.ts), the reference for what those two cost alone. */
export type Role = 'direct' | 'nginx' | 'floor' | 'gateway' | 'peer';

/** A running server the bench sends load to. */
export interface Running {
  port: number;
  /** Root process; CPU and RSS are read over its process tree. */
  pid: number;
  /** The gateway's Admin API port (its /status reports the V8 heap), for the soak's samples. */
  adminPort?: number;
  stop(): Promise<void>;
}

export type Started = ({ ok: true } & Running) | { ok: false; reason: string };

/** A log line's message: pino/JSON lines give their error message or msg, other lines stay as they are. */
function message(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const j = JSON.parse(line) as { msg?: string; message?: string; error?: { message?: string }; err?: { message?: string } };
    return j.error?.message ?? j.err?.message ?? j.message ?? j.msg ?? line;
  } catch {
    return line;
  }
}

/** The last few meaningful lines of a process's output, for a one-line reason. */
export function lastLines(output: string, n = 3): string {
  return output
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => message(l.trim()))
    .filter(Boolean)
    .slice(-n)
    .join(' | ')
    .slice(0, 400);
}

/**
 * Starts a bench server that prints `listening <port>` when ready (the mock, the floor): its child and port, or an
 * error `exited (<code>): <last lines>` if it ends first (the child is stopped then).
 */
export async function spawnListening(name: string, args: string[], opts: { cpu: number; cwd: string }): Promise<{ child: Child; port: number }> {
  let resolvePort!: (p: number) => void;
  const port = new Promise<number>((r) => (resolvePort = r));
  let seen = '';
  const child = spawnPinned(name, process.execPath, args, {
    ...opts,
    onStdout: (t) => {
      seen += t;
      const m = /listening (\d+)/.exec(seen);
      if (m) resolvePort(Number(m[1]));
    },
  });
  try {
    return { child, port: await Promise.race([port, child.exited.then((c) => Promise.reject(new Error(`exited (${c}): ${lastLines(child.output())}`)))]) };
  } catch (err) {
    await child.stop();
    throw err;
  }
}
