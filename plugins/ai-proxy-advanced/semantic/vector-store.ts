// Where semantic routing keeps the targets' description vectors (Kong's kong/llm/vectordb/*):
// written at config load, searched per request for the nearest description.
export type DistanceMetric = 'cosine' | 'euclidean'

export interface VectorHit {
  readonly key: string
  readonly payload: Record<string, unknown>
  /** cosine distance (1 - cosine similarity) or euclidean distance: lower is nearer */
  readonly distance: number
}

export interface VectorStore {
  upsert(ns: string, key: string, vector: readonly number[], payload: Record<string, unknown>): Promise<void>
  /** the nearest vector in `ns` within `threshold` (no threshold: the nearest), or null */
  nearest(ns: string, vector: readonly number[], threshold: number | undefined): Promise<VectorHit | null>
}
