/**
 * Starts Tollgate (`node core/bin.mjs start -c <kong.yaml>`) on the gateway core with one uWS thread. A gateway
 * that is not built yet, exits (a config it cannot load: unknown plugin, bad field) or never reports ready on
 * `GET /status` gives a reason instead, and the scenario reports that row as skipped.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { spawnPinned } from '../proc/children.ts';
import { freePort, waitForHttp } from '../proc/loopback.ts';
import type { KongConfig } from '../scenarios/types.ts';
import { lastLines, type Started } from './types.ts';

export const GATEWAY_BIN = 'core/bin.mjs';
const START_SCRIPT = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start;
/** The young generation `npm start` gives the main thread, read from package.json's start script. */
export const START_SEMI_SPACE_FLAG = startFlag('--max-semi-space-size');

function startFlag(name: string): string {
  const m = new RegExp(`${name}=\\d+`).exec(START_SCRIPT);
  if (m === null) throw new Error(`package.json start script sets no ${name}`);
  return m[0];
}

/**
 * The V8 heap flags `npm start` uses (package.json), so the bench measures what users run. `BENCH_NODE_FLAGS` (space
 * separated) adds flags to the gateway and the floor alike, for A/B runs of a GC setting without editing code.
 */
export const GATEWAY_NODE_FLAGS = [START_SEMI_SPACE_FLAG, startFlag('--max-old-space-size'), ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];

/** The environment `npm start` sets before `node` (its leading NAME=value words: MALLOC_ARENA_MAX). */
export const START_ENV: Record<string, string> = Object.fromEntries(
  (/^((?:[A-Z_][A-Z0-9_]*=\S*\s+)*)node\b/.exec(START_SCRIPT)?.[1] ?? '').split(/\s+/).filter(Boolean).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]),
);

export interface GatewayOptions {
  repoRoot: string;
  cpu: number;
  tmpDir: string;
  /** File-name-safe id for the config file. */
  name: string;
  config: KongConfig;
  env?: Record<string, string>;
  /** node flags after `npm start`'s, for A/B runs (bench/memory/rss-breakdown.ts --node-flags) */
  nodeFlags?: string[];
}

export async function startGateway(o: GatewayOptions): Promise<Started> {
  if (!existsSync(join(o.repoRoot, GATEWAY_BIN))) return { ok: false, reason: `${GATEWAY_BIN} not found (gateway not built yet)` };
  const file = join(o.tmpDir, `kong-${o.name}.yaml`);
  writeFileSync(file, stringify(o.config));
  const [proxyPort, adminPort] = [await freePort(), await freePort()];
  const child = spawnPinned('gateway', process.execPath, [...GATEWAY_NODE_FLAGS, ...(o.nodeFlags ?? []), GATEWAY_BIN, 'start', '-c', file], {
    cpu: o.cpu,
    cwd: o.repoRoot,
    env: {
      ...process.env,
      KONG_PROXY_LISTEN: `127.0.0.1:${proxyPort}`,
      KONG_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
      KONG_NGINX_WORKER_PROCESSES: '1',
      KONG_LOG_LEVEL: 'error',
      ...START_ENV,
      ...o.env,
    },
  });
  try {
    await waitForHttp(`http://127.0.0.1:${adminPort}/status`, { status: 200, timeoutMs: 30000, gone: child.exited });
  } catch (err) {
    await child.stop();
    const code = child.proc.exitCode ?? child.proc.signalCode;
    const why = lastLines(child.output()) || (err as Error).message;
    return { ok: false, reason: `gateway ${code === null ? 'not ready' : `exited (${code})`}: ${why}` };
  }
  return { ok: true, port: proxyPort, adminPort, pid: child.pid, stop: () => child.stop() };
}
