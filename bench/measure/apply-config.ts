/**
 * Swaps a running gateway's config as an operator does with Kong in DB-less mode: `POST /config` on the Admin API
 * with the declarative text. The gateway validates and compiles the whole config and swaps it in before it answers
 * 201, so once this resolves every new request runs on the new config. Identical text is reloaded too (only
 * `?check_hash=1` skips it, not used here).
 */
import { performance } from 'node:perf_hooks';
import { request } from 'undici';

/** Resolves with the milliseconds the reload took; rejects with the status and Kong's message on anything but 201. */
export async function applyConfig(adminPort: number, yamlText: string): Promise<number> {
  const t0 = performance.now();
  const r = await request(`http://127.0.0.1:${adminPort}/config`, {
    method: 'POST',
    headers: { 'content-type': 'text/yaml' },
    body: yamlText,
    headersTimeout: 30000,
    bodyTimeout: 30000,
  });
  const text = await r.body.text(); // read whole: the 201 lists every entity, a few KB for the bench's configs
  if (r.statusCode !== 201) throw new Error(`POST /config answered ${r.statusCode}: ${configMessage(text)}`);
  return performance.now() - t0;
}

/** Kong's `message` from an error body, or the start of the text when it is not one. */
function configMessage(text: string): string {
  try {
    const j: unknown = JSON.parse(text);
    if (j !== null && typeof j === 'object' && Object.hasOwn(j, 'message')) return String((j as { message: unknown }).message).slice(0, 400);
  } catch {
    /* not JSON */
  }
  return text.slice(0, 400).replace(/\s+/g, ' ');
}
