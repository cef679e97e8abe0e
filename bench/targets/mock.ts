/** Starts the mock upstream (bench/mock/server.ts) pinned to the load core. */
import { fileURLToPath } from 'node:url';
import { spawnPinned } from '../proc/children.ts';
import { lastLines, type Running } from './types.ts';

const SERVER = fileURLToPath(new URL('../mock/server.ts', import.meta.url));

export async function startMock(opts: { cpu: number; cwd: string; chunks: number; gapMs: number }): Promise<Running> {
  let resolvePort!: (p: number) => void;
  const port = new Promise<number>((r) => (resolvePort = r));
  let seen = '';
  const child = spawnPinned('mock', process.execPath, ['--import', 'tsx', SERVER, '--port', '0', '--chunks', String(opts.chunks),
    '--gap-ms', String(opts.gapMs)], {
    cpu: opts.cpu,
    cwd: opts.cwd,
    onStdout: (t) => {
      seen += t;
      const m = /listening (\d+)/.exec(seen);
      if (m) resolvePort(Number(m[1]));
    },
  });
  const p = await Promise.race([port, child.exited.then((c) => Promise.reject(new Error(`mock exited (${c}): ${lastLines(child.output())}`)))]);
  return { port: p, pid: child.pid, stop: () => child.stop() };
}
