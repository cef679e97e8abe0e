/** Starts the mock upstream (bench/mock/server.ts) pinned to the load core. */
import { fileURLToPath } from 'node:url';
import { spawnListening, type Running } from './types.ts';

const SERVER = fileURLToPath(new URL('../mock/server.ts', import.meta.url));

export async function startMock(opts: { cpu: number; cwd: string; chunks: number; gapMs: number }): Promise<Running> {
  try {
    const { child, port } = await spawnListening('mock', ['--import', 'tsx', SERVER, '--port', '0', '--chunks', String(opts.chunks),
      '--gap-ms', String(opts.gapMs)], opts);
    return { port, pid: child.pid, stop: () => child.stop() };
  } catch (err) {
    throw new Error(`mock ${(err as Error).message}`);
  }
}
