// Reads a /metrics answer with a real Prometheus text-format parser (it throws on an invalid
// line), and looks samples up by metric name and labels. The parser folds a histogram's samples
// into one label-less entry, so histograms are read a second time with their TYPE line made
// `untyped`: each `_bucket`, `_sum` and `_count` line is then a sample with its labels.
import parse from 'parse-prometheus-text-format'

export interface Family { name: string; help: string; type: string; metrics: Sample[] }
export interface Sample { labels?: Record<string, string>; value?: string }
export interface Scrape { families: Map<string, Family>; samples: Map<string, Family> }

export function parseMetrics(text: string): Scrape {
  const families = new Map((parse(text) as Family[]).map((f) => [f.name, f]))
  const flat = parse(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped')) as Family[]
  const byName = new Map<string, Family>()
  for (const f of flat) {
    const known = byName.get(f.name)
    if (known) known.metrics.push(...f.metrics)
    else byName.set(f.name, { ...f, metrics: [...f.metrics] })
  }
  return { families, samples: byName }
}

/** Samples named `name` (a histogram's are `<name>_bucket`, `_sum`, `_count`) whose labels include `match`. */
export function samples(m: Scrape, name: string, match: Record<string, string> = {}): Sample[] {
  const f = m.samples.get(name)
  if (!f) return []
  return f.metrics.filter((s) => Object.entries(match).every(([k, v]) => s.labels?.[k] === v))
}

/** The sum of the values of `name`'s samples matching `match`. */
export function total(m: Scrape, name: string, match: Record<string, string> = {}): number {
  return samples(m, name, match).reduce((a, s) => a + Number(s.value ?? 0), 0)
}
