/** A running server the bench sends load to, or the reason it could not be started. */
/** `floor`: the bare uWS + undici proxy (bench/floor/server.ts), the reference for what those two cost alone. */
export type Role = 'direct' | 'nginx' | 'floor' | 'gateway' | 'peer';

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
