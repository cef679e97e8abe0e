/** Runs wrk (pinned to the load core) with the POST script and parses its report. */
import { fileURLToPath } from 'node:url';
import { runToEnd } from '../proc/children.ts';

const SCRIPT = fileURLToPath(new URL('./post.lua', import.meta.url));

export interface WrkRun {
  requests: number;
  seconds: number;
  rps: number;
  /** Latency percentiles in µs. */
  p50Us: number;
  p99Us: number;
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
}

export interface WrkOptions {
  wrk: string;
  url: string;
  method: string;
  /** File holding the body, or undefined for none. */
  bodyFile?: string;
  headers: Record<string, string>;
  connections: number;
  durationS: number;
  cpu: number;
}

export async function runWrk(o: WrkOptions): Promise<WrkRun> {
  const args = ['-t1', `-c${o.connections}`, `-d${o.durationS}s`, '--timeout', '10s', '--latency', '-s', SCRIPT, o.url,
    '--', o.method, o.bodyFile ?? '-', ...Object.entries(o.headers).map(([k, v]) => `${k}: ${v}`)];
  const { code, out } = await runToEnd('wrk', o.wrk, args, { cpu: o.cpu });
  if (code !== 0) throw new Error(`wrk exited with ${code}: ${out.trim().slice(-400)}`);
  return parseWrk(out);
}

const UNIT_US: Record<string, number> = { us: 1, ms: 1000, s: 1e6, m: 6e7 };

function toUs(v: string, unit: string): number {
  return Number(v) * (UNIT_US[unit] ?? NaN);
}

export function parseWrk(out: string): WrkRun {
  const pct = (p: string): number => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    return m ? toUs(m[1], m[2]) : NaN;
  };
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m),/.exec(out);
  if (!total) throw new Error(`cannot parse wrk output:\n${out}`);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const requests = Number(total[1]);
  const seconds = toUs(total[2], total[3]) / 1e6;
  return {
    requests,
    seconds,
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? requests / seconds),
    p50Us: pct('50'),
    p99Us: pct('99'),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: sock
      ? { connect: Number(sock[1]), read: Number(sock[2]), write: Number(sock[3]), timeout: Number(sock[4]) }
      : { connect: 0, read: 0, write: 0, timeout: 0 },
  };
}
