/** Loopback helpers: a free port, and waiting until an HTTP endpoint answers. */
import { createServer } from 'node:net';
import { request } from 'undici';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Polls `url` until it answers with `status` (any status if undefined). Rejects after `timeoutMs`, or as soon as
 * `gone` resolves (the process behind it exited).
 */
export async function waitForHttp(url: string, opts: { status?: number; timeoutMs?: number; gone?: Promise<unknown> } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20000);
  let exited = false;
  opts.gone?.then(() => void (exited = true));
  let last = '';
  while (Date.now() < deadline) {
    if (exited) throw new Error('process exited before it was ready');
    try {
      const r = await request(url, { headersTimeout: 1000, bodyTimeout: 1000 });
      await r.body.dump();
      if (opts.status === undefined || r.statusCode === opts.status) return;
      last = `status ${r.statusCode}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready after ${opts.timeoutMs ?? 20000} ms (${last})`);
}
