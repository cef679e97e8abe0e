/**
 * Portkey's open-source gateway (@portkey-ai/gateway 1.15.2) as the TypeScript peer: installed into
 * bench/.peers/ (gitignored) with @hono/node-server pinned to 1.13.5 (Portkey's own lockfile version; newer ones
 * make its streams fail with 500 on Node 20), started headless on the gateway core, bound to 127.0.0.1.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runToEnd, spawnPinned } from '../proc/children.ts';
import { freePort, waitForHttp } from '../proc/loopback.ts';
import { lastLines, type Started } from './types.ts';

export const PORTKEY_VERSION = '1.15.2';
const HONO_NODE_SERVER = '1.13.5';
const LOOPBACK = new URL('./loopback-only.mjs', import.meta.url).href;

export type PortkeyInstall = { ok: true; entry: string; version: string } | { ok: false; reason: string };

function installedVersion(dir: string, pkg: string): string | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

export async function installPortkey(peersDir: string, log: (s: string) => void): Promise<PortkeyInstall> {
  const entry = join(peersDir, 'node_modules/@portkey-ai/gateway/build/start-server.js');
  const ready = (): boolean =>
    installedVersion(peersDir, '@portkey-ai/gateway') === PORTKEY_VERSION && installedVersion(peersDir, '@hono/node-server') === HONO_NODE_SERVER;
  if (!ready()) {
    mkdirSync(peersDir, { recursive: true });
    const deps = { '@portkey-ai/gateway': PORTKEY_VERSION, '@hono/node-server': HONO_NODE_SERVER };
    writeFileSync(join(peersDir, 'package.json'), JSON.stringify({ name: 'tollgate-bench-peers', private: true, type: 'module',
      dependencies: deps, overrides: { '@hono/node-server': HONO_NODE_SERVER } }, null, 2) + '\n');
    log(`installing @portkey-ai/gateway@${PORTKEY_VERSION} into ${peersDir} ...`);
    const r = await runToEnd('npm', 'npm', ['install', '--prefix', peersDir, '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error']);
    if (!ready()) return { ok: false, reason: `npm install failed: ${lastLines(r.out)}` };
  }
  if (!existsSync(entry)) return { ok: false, reason: `${entry} missing after install` };
  return { ok: true, entry, version: PORTKEY_VERSION };
}

export async function startPortkey(o: { entry: string; cpu: number; peersDir: string }): Promise<Started> {
  const port = await freePort();
  const child = spawnPinned('portkey', process.execPath, ['--import', LOOPBACK, o.entry, `--port=${port}`, '--headless'], {
    cpu: o.cpu,
    cwd: o.peersDir,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 30000, gone: child.exited });
  } catch (err) {
    await child.stop();
    return { ok: false, reason: `portkey did not start: ${(err as Error).message} ${lastLines(child.output())}` };
  }
  return { ok: true, port, pid: child.pid, stop: () => child.stop() };
}
