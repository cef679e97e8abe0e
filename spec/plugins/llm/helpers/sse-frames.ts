// SSE bytes through the framer, as its events: for the AI library's unit suite (spec/plugins/llm)
// and the Kong-fixture suite (spec/kong/llm).
import { SseFramer, type SseEvent } from '../../../../plugins/llm/transcoders/sse.ts'

export function frameAll(pieces: Buffer[]): SseEvent[] {
  const f = new SseFramer()
  const out: SseEvent[] = []
  for (const p of pieces) f.push(p, out)
  f.end(out)
  return out
}
