import { describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { runToEnd } from '../../bench/proc/children.ts';

// runToEnd is how the bench reads wrk's summary: an output cut short (the process's exit seen before its last
// stdout chunk) was parsed as "cannot parse wrk output" and ended a paired run. It must return every byte.
describe('runToEnd', () => {
  const cases: [string, number, number][] = [
    ['nothing', 0, 0],
    ['one short line', 12, 0],
    ['a pipe buffer and more (64 KiB + 1)', 65_537, 0],
    ['1 MiB, then exit code 3', 1 << 20, 3],
  ];
  it.each(cases)('returns all of the output and the exit code: %s', async (_label, bytes, code) => {
    // several runs: the exit and the last chunk race, each run is a chance to lose it
    for (let i = 0; i < 8; i++) {
      const script = `process.stdout.write('x'.repeat(${bytes})); process.exitCode = ${code}`;
      const r = await runToEnd('child', process.execPath, ['-e', script]);
      expect(r.code).toBe(code);
      expect(r.out.length).toBe(bytes);
    }
  });

  it('waits for the output pipe to close, not only for the process to exit', async () => {
    // the child exits at once; a process it started still holds the pipe and writes once Node has booted (tens of
    // ms later): the 'exit' event comes first, so a caller resolving on it returns without those bytes
    const late = `process.stdout.write('late output')`;
    const script = `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(late)}], { stdio: ['ignore', 'inherit', 'inherit'], detached: true }).unref()`;
    const r = await runToEnd('parent', process.execPath, ['-e', script]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('late output');
  });

  it.each([
    ['stdout', "['ignore', 'inherit', 'ignore']"],
    ['stderr', "['ignore', 'ignore', 'inherit']"],
    ['both', "['ignore', 'inherit', 'inherit']"],
  ])('ends a grace after the exit when a process left behind holds %s open for good', async (_label, stdio) => {
    // a daemon the command started (a service apt-get's postinst launched) keeps the pipe: 'close' never comes,
    // and a wait on it alone hangs the bench. The left process reports its pid over a socket, not the pipe.
    const server = createServer()
    const pid = new Promise<number>((resolve) => server.on('connection', (s) => s.on('data', (d) => resolve(Number(String(d))))))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    const stay = `require('net').connect(${port}, '127.0.0.1', function () { this.write(String(process.pid)) }); setInterval(() => {}, 1e9)`
    const script = `process.stdout.write('before'); require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(stay)}], { stdio: ${stdio}, detached: true }).unref()`
    try {
      const r = await runToEnd('parent', process.execPath, ['-e', script], { closeGraceMs: 300 })
      expect(r).toEqual({ code: 0, out: 'before' })
    } finally {
      process.kill(await pid, 'SIGKILL')
      server.close()
    }
  }, 10_000)

  it.each([
    ['stdout', 'process.stdout'],
    ['stderr', 'process.stderr'],
  ])('keeps only the last outputCap characters of a flood on %s (its end, where a summary or an error is)', async (_label, stream) => {
    // 3 MiB in 64 KiB writes, then a marker: the output is capped at 256 KiB and ends with the marker
    const script = `const s = ${stream}; for (let i = 0; i < 48; i++) s.write('x'.repeat(65536)); s.write('END')`;
    const r = await runToEnd('flood', process.execPath, ['-e', script], { outputCap: 256 * 1024 });
    expect(r.code).toBe(0);
    expect(r.out.length).toBe(256 * 1024);
    expect(r.out.endsWith('xEND')).toBe(true);
  });

  it('gives -1 and no output for a command that does not exist', async () => {
    const r = await runToEnd('missing', '/nonexistent/command-for-test', []);
    expect(r.code).toBe(-1);
  });
});
