// The query of a realtime upgrade: the client's parameters, with the ones the gateway decides
// (OpenAI's `model`, Azure's `api-version` and `deployment`) set once to the gateway's value.
// A parameter whose value is undefined keeps the client's; null removes it (a client credential
// such as Gemini's `key`: the gateway's auth adds its own).

export function realtimeQuery(clientQuery: string, set: readonly [string, string | undefined | null][]): string {
  const names = new Set(set.filter(([, v]) => v !== undefined).map(([k]) => k))
  const kept = clientQuery === '' ? [] : clientQuery.split('&').filter((kv) => kv !== '' && !names.has(decodeName(kv)))
  for (const [k, v] of set) if (typeof v === 'string') kept.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
  return kept.join('&')
}

function decodeName(kv: string): string {
  const eq = kv.indexOf('=')
  const raw = eq < 0 ? kv : kv.slice(0, eq)
  try { return decodeURIComponent(raw.replace(/\+/g, ' ')) } catch { return raw }
}
