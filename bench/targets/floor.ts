/** Starts the floor proxy (bench/floor/server.ts) on the gateway core, one thread, in front of the mock. */
import { fileURLToPath } from 'node:url';
import { spawnPinned } from '../proc/children.ts';
import { lastLines, type Started } from './types.ts';

const SERVER = fileURLToPath(new URL('../floor/server.ts', import.meta.url));

export async function startFloor(opts: { cpu: number; cwd: string; upstreamPort: number }): Promise<Started> {
  let resolvePort!: (p: number) => void;
  const port = new Promise<number>((r) => (resolvePort = r));
  let seen = '';
  // The same semi-space as the gateway (GATEWAY_NODE_FLAGS), so GC settings do not tilt the comparison.
  const child = spawnPinned('floor', process.execPath, ['--max-semi-space-size=2', '--import', 'tsx', SERVER, '--port', '0',
    '--upstream', `http://127.0.0.1:${opts.upstreamPort}`], {
    cpu: opts.cpu,
    cwd: opts.cwd,
    onStdout: (t) => {
      seen += t;
      const m = /listening (\d+)/.exec(seen);
      if (m) resolvePort(Number(m[1]));
    },
  });
  try {
    const p = await Promise.race([port, child.exited.then((c) => Promise.reject(new Error(`exited (${c}): ${lastLines(child.output())}`)))]);
    let stopping = false;
    // A floor that dies mid-run shows up as wrk's "connection refused"; say why on stderr.
    void child.exited.then((c) => stopping || process.stderr.write(`floor exited (${c}) during the run: ${lastLines(child.output(), 8)}\n`));
    return { ok: true, port: p, pid: child.pid, stop: () => ((stopping = true), child.stop()) };
  } catch (err) {
    await child.stop();
    return { ok: false, reason: `floor did not start: ${(err as Error).message}` };
  }
}
