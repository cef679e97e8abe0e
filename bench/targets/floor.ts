/** Starts the floor proxy (bench/floor/server.ts) on the gateway core, one thread, in front of the mock. */
import { fileURLToPath } from 'node:url';
import { GATEWAY_NODE_FLAGS } from './gateway.ts';
import { lastLines, spawnListening, type Started } from './types.ts';

const SERVER = fileURLToPath(new URL('../floor/server.ts', import.meta.url));

export async function startFloor(opts: { cpu: number; cwd: string; upstreamPort: number }): Promise<Started> {
  let started: Awaited<ReturnType<typeof spawnListening>>;
  try {
    // The same semi-space as the gateway (GATEWAY_NODE_FLAGS), so GC settings do not tilt the comparison.
    started = await spawnListening('floor', [...GATEWAY_NODE_FLAGS, '--import', 'tsx', SERVER, '--port', '0',
      '--upstream', `http://127.0.0.1:${opts.upstreamPort}`], opts);
  } catch (err) {
    return { ok: false, reason: `floor did not start: ${(err as Error).message}` };
  }
  const { child, port } = started;
  let stopping = false;
  // A floor that dies mid-run shows up as wrk's "connection refused"; say why on stderr.
  void child.exited.then((c) => stopping || process.stderr.write(`floor exited (${c}) during the run: ${lastLines(child.output(), 8)}\n`));
  return { ok: true, port, pid: child.pid, stop: () => ((stopping = true), child.stop()) };
}
