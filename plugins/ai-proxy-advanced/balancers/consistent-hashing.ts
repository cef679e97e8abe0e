// Consistent hashing (Kong 3.8): a ring of `balancer.slots` points shared out by weight, each
// target's points placed by a hash of its key; a request's key (the value of
// balancer.hash_on_header) lands on the ring and walks forward to the first target it may use.
// The same key keeps the same target while that target is usable, and removing a target moves
// only its own keys. (Kong hashes with xxhash32; which target a key lands on is not a contract.)
import type { Balancer, BalancerTarget, PickContext } from './types.ts'

/** FNV-1a over UTF-16 code units, finished with murmur3's avalanche so near keys spread. */
export function hash32(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

export class ConsistentHashing implements Balancer {
  readonly algorithm = 'consistent-hashing' as const
  private readonly points: Uint32Array
  private readonly owners: Uint16Array
  private readonly n: number

  constructor(targets: readonly BalancerTarget[], slots: number) {
    const total = targets.reduce((s, t) => s + t.weight, 0)
    const ring: [number, number][] = []
    targets.forEach((t, i) => {
      const count = Math.max(1, Math.floor((slots * t.weight) / total))
      for (let j = 0; j < count; j++) ring.push([hash32(`${t.key}#${j}`), i])
    })
    ring.sort((a, b) => a[0] - b[0] || a[1] - b[1])
    this.points = Uint32Array.from(ring, (r) => r[0])
    this.owners = Uint16Array.from(ring, (r) => r[1])
    this.n = targets.length
  }

  pick(p: PickContext): number {
    const pts = this.points
    const h = hash32(p.hashKey)
    let lo = 0
    let hi = pts.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (pts[mid]! < h) lo = mid + 1
      else hi = mid
    }
    const seen = new Uint8Array(this.n)
    let left = this.n
    for (let k = 0; k < pts.length && left > 0; k++) {
      const i = this.owners[(lo + k) % pts.length]!
      if (seen[i]) continue
      if (p.usable(i)) return i
      seen[i] = 1
      left--
    }
    return -1
  }
}
