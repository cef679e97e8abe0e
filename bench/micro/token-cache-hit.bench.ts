/**
 * plugins/llm/auth/token-cache.ts `TokenCache.get()` on a warm entry: what every request to a cloud-identity provider
 * (Azure, GCP, AWS) pays for its credential. A hit returns the value itself, synchronously (checked below): one LRU
 * lookup and one Date.now(). Baselines: the same two steps on a plain Map, lru-cache's get and Date.now() alone. Also a hit on
 * one of 1000 identities taken in turn (a full LRU, each hit moving an entry to the front). Then, for contrast, the
 * miss path (entry dropped with clear(), so get() acquires from the fake source and the caller awaits the promise).
 *
 *   node --import tsx bench/micro/token-cache-hit.bench.ts
 */
import assert from 'node:assert/strict';
import { LRUCache } from 'lru-cache';
import { identityKey, TokenCache, type IdentitySource, type Token } from '../../plugins/llm/auth/token-cache.ts';
import { compare, compareAsync } from './measure.ts';

const HOUR = 3_600_000;
const silent = { error() {}, warn() {} };

/** A fake identity: a bearer token that expires in an hour, handed over at once. */
function source(name: string): IdentitySource<string> {
  return {
    key: identityKey(['bench', name]),
    label: `bench identity ${name}`,
    secrets: [],
    acquire: (): Promise<Token<string>> => Promise.resolve({ value: `token-${name}`, expiresAt: Date.now() + HOUR }),
  };
}

const cache = new TokenCache({ log: silent });
const src = source('one');
const first = cache.get(src);
assert.ok(first instanceof Promise, 'a cold get() acquires');
assert.equal(await first, 'token-one');
const hit = cache.get(src);
assert.equal(hit, 'token-one', 'a warm get() returns the token itself, not a promise');

const many = new TokenCache({ max: 1000, log: silent });
const sources = Array.from({ length: 1000 }, (_, i) => source(String(i)));
for (const s of sources) await many.get(s);
for (const s of sources) assert.equal(many.get(s), `token-${s.label.slice('bench identity '.length)}`);
let turn = 0;

const map = new Map([[src.key, { value: 'token-one', refreshAt: Date.now() + HOUR / 2 }]]);
const lru = new LRUCache<string, { value: string; refreshAt: number }>({ max: 1000 });
lru.set(src.key, { value: 'token-one', refreshAt: Date.now() + HOUR / 2 });

const cold = new TokenCache({ log: silent });
const o = { timeMs: 500, warmupMs: 150 };
console.log(`token-cache-hit (node ${process.version})`);
compare('TokenCache.get(), warm entry (synchronous)', {
  'get(), one identity': () => cache.get(src),
  'get(), 1000 identities in turn': () => many.get(sources[(turn = (turn + 1) % 1000)]!),
  'baseline: Map.get + Date.now()': () => { const e = map.get(src.key)!; return Date.now() < e.refreshAt ? e.value : null; },
  'baseline: LRUCache.get': () => lru.get(src.key),
  'baseline: Date.now()': () => Date.now(),
}, o);
await compareAsync('for contrast, the miss path (promise awaited)', {
  'get(), warm (plain value)': () => cache.get(src),
  'clear() + get(): acquire, await': () => { cold.clear(); return cold.get(src); },
}, o);
