// Vectors in this process (vectordb.strategy `memory`, a Tollgate extension): a single node's
// semantic routing without a database. A linear scan: semantic routing searches among a
// handful of target descriptions.
import type { DistanceMetric, VectorHit, VectorStore } from './vector-store.ts'

interface Entry { key: string; vector: Float64Array; norm: number; payload: Record<string, unknown> }

function norm(v: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!
  return Math.sqrt(s)
}

export function distance(metric: DistanceMetric, a: ArrayLike<number>, an: number, b: ArrayLike<number>, bn: number): number {
  const n = Math.min(a.length, b.length)
  if (metric === 'euclidean') {
    let s = 0
    for (let i = 0; i < n; i++) { const d = a[i]! - b[i]!; s += d * d }
    return Math.sqrt(s)
  }
  let dot = 0
  for (let i = 0; i < n; i++) dot += a[i]! * b[i]!
  return an === 0 || bn === 0 ? 1 : 1 - dot / (an * bn)
}

export class MemoryVectorStore implements VectorStore {
  private readonly spaces = new Map<string, Map<string, Entry>>()

  constructor(private readonly metric: DistanceMetric) {}

  async upsert(ns: string, key: string, vector: readonly number[], payload: Record<string, unknown>): Promise<void> {
    let space = this.spaces.get(ns)
    if (!space) this.spaces.set(ns, (space = new Map()))
    const v = Float64Array.from(vector)
    space.set(key, { key, vector: v, norm: norm(v), payload })
  }

  async nearest(ns: string, vector: readonly number[], threshold: number | undefined): Promise<VectorHit | null> {
    const space = this.spaces.get(ns)
    if (!space) return null
    const qn = norm(vector)
    let best: VectorHit | null = null
    for (const e of space.values()) {
      const d = distance(this.metric, vector, qn, e.vector, e.norm)
      if (best === null || d < best.distance) best = { key: e.key, payload: e.payload, distance: d }
    }
    return best !== null && (threshold === undefined || best.distance <= threshold) ? best : null
  }
}
