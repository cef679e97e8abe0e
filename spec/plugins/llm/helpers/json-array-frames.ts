// A JSON-array stream (Gemini's streamGenerateContent body) through the framer, as element texts
// and whether the array ended: for the framer's own suite (spec/plugins/llm/transcoders) and the
// Kong-fixture suite (spec/kong/llm/transcoders).
import { JsonArrayFramer } from '../../../../plugins/llm/transcoders/json-array.ts'

export function frame(chunks: (string | Buffer)[]): { elements: string[]; done: boolean } {
  const f = new JsonArrayFramer()
  const elements: string[] = []
  for (const c of chunks) f.push(Buffer.isBuffer(c) ? c : Buffer.from(c), elements)
  f.end(elements)
  return { elements, done: f.done }
}
