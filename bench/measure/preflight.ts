/** One request to a target before the load starts: proves the path works and records what it answered. */
import { request } from 'undici';
import type { RequestSpec } from '../scenarios/types.ts';

export async function preflight(port: number, spec: RequestSpec): Promise<{ ok: boolean; text: string }> {
  try {
    const r = await request(`http://127.0.0.1:${port}${spec.path}`, {
      method: spec.method,
      headers: spec.headers,
      body: spec.body,
      headersTimeout: 10000,
      bodyTimeout: 10000,
    });
    const body = Buffer.from(await r.body.arrayBuffer());
    const ok = r.statusCode >= 200 && r.statusCode < 300;
    const type = String(r.headers['content-type'] ?? '');
    const events = type.includes('event-stream') ? `, ${body.toString().split('\n\n').length - 1} events` : '';
    return { ok, text: ok ? `${r.statusCode}, ${body.length} B${events}` : `${r.statusCode}: ${body.toString().slice(0, 240).replace(/\s+/g, ' ')}` };
  } catch (err) {
    return { ok: false, text: `request failed: ${(err as Error).message}` };
  }
}
