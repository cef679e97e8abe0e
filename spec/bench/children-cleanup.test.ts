// Every way the bench can end kills what it started (bench/proc/children.ts): process.exit() (which skips
// finally blocks), an uncaught exception, an unhandled rejection, SIGTERM. A real parent process starts a real child
// that holds a TCP connection to the test; the connection closing is the event that says the child died.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./fixtures/spawn-then-leave.ts', import.meta.url));
let server: Server | undefined;
let parent: ChildProcess | undefined;
let holderPid = 0;

afterEach(() => {
  // a failing case must not leave its processes behind either
  for (const pid of [holderPid, parent?.pid ?? 0]) {
    try {
      if (pid > 0) process.kill(pid, 'SIGKILL');
    } catch {
      /* gone, as it should be */
    }
  }
  server?.close();
  [server, parent, holderPid] = [undefined, undefined, 0];
});

describe('the bench kills what it started', () => {
  it.each(['exit', 'throw', 'reject', 'sigterm'])('when it leaves by %s', async (how) => {
    const sockets: Socket[] = [];
    server = createServer((s) => void sockets.push(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const first = new Promise<Socket[]>((resolve) => {
      const seen = new Map<string, Socket>();
      server!.on('connection', (s) => s.once('data', (d) => {
        const text = d.toString();
        seen.set(text === 'parent' ? 'parent' : 'holder', s);
        if (text !== 'parent') holderPid = Number(text);
        if (seen.size === 2) resolve([seen.get('parent')!, seen.get('holder')!]);
      }));
    });
    parent = spawn(process.execPath, ['--import', 'tsx', FIXTURE, String(port), how], { stdio: 'ignore' });
    const [ctl, holder] = await first;
    expect(holderPid).toBeGreaterThan(0);
    const holderClosed = once(holder, 'close');
    const parentExited = once(parent, 'exit');
    ctl.write('go');
    const [code, signal] = (await parentExited) as [number | null, string | null];
    expect(code === 0 && signal === null).toBe(false); // each of these ends is a failure exit
    await holderClosed; // the child's end of the connection closed: it was killed (else the test times out)
  });
});
