// docs/grafana/tollgate.json stays true to what the gateway exports: every metric a panel queries
// is a family the prometheus plugin or the node registers (with Kong's histogram suffixes), every
// label a query filters or groups by is one of that family's, and the panels do not overlap.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import '../../plugins/prometheus/index.ts'
import { threadRegistry } from '../../core/status/metric-family.ts'
import { NodeMetrics } from '../../core/status/node-metrics.ts'

interface Panel { type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets?: { expr: string }[] }
const dash = JSON.parse(readFileSync(new URL('../../docs/grafana/tollgate.json', import.meta.url), 'utf8')) as { panels: Panel[]; templating: { list: { query: unknown }[] } }

/** Label names of every exported family, by family name. */
async function exported(): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>()
  for (const m of threadRegistry.getMetricsAsArray() as unknown as { name: string; labelNames: readonly string[] }[]) {
    out.set(m.name, new Set([...m.labelNames, 'le', 'instance', 'job']))
  }
  const text = await new NodeMetrics(async () => [{ threadId: 1, heapBytes: 1, metrics: [] }]).text()
  for (const m of text.matchAll(/^(\w+)\{([^}]*)\}/gm)) {
    out.set(m[1]!, new Set([...[...m[2]!.matchAll(/(\w+)="/g)].map((l) => l[1]!), 'instance', 'job']))
  }
  return out
}

const exprs = [
  ...dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
  ...dash.templating.list.map((v) => (v.query as { query?: string } | string | undefined)).map((q) => (typeof q === 'object' && q ? q.query ?? '' : '')),
].filter(Boolean)

describe('the Grafana dashboard', () => {
  it('queries only exported metrics and their labels', async () => {
    const families = await exported()
    expect(exprs.length).toBeGreaterThan(20)
    for (const expr of exprs) {
      const names = [...expr.matchAll(/\b(kong_\w+)/g)].map((m) => m[1]!)
      expect(names.length, expr).toBeGreaterThan(0)
      for (const n of names) {
        const family = families.get(n) ?? families.get(n.replace(/_(bucket|sum|count)$/, ''))
        expect(family, `${n} in ${expr}`).toBeDefined()
        const used = [
          ...[...expr.matchAll(new RegExp(`${n}\\{([^}]*)\\}`, 'g'))].flatMap((m) => [...m[1]!.matchAll(/(\w+)\s*(?:=~|!=|!~|=)/g)].map((l) => l[1]!)),
        ]
        for (const l of used) expect(family!.has(l), `label ${l} of ${n} in ${expr}`).toBe(true)
      }
      for (const by of expr.matchAll(/by \(([^)]*)\)/g)) {
        const labels = by[1]!.split(',').map((s) => s.trim())
        const all = new Set(names.flatMap((n) => [...(families.get(n) ?? families.get(n.replace(/_(bucket|sum|count)$/, '')) ?? [])]))
        for (const l of labels) expect(all.has(l), `by ${l} in ${expr}`).toBe(true)
      }
    }
  })

  it('has request rate, latency percentiles, status codes and AI tokens, cost and latency per provider/model', () => {
    const all = exprs.join('\n')
    for (const needed of ['rate(kong_http_requests_total', 'histogram_quantile(0.95, sum by (le) (rate(kong_request_latency_ms_bucket', 'sum by (code)',
      'sum by (ai_provider, ai_model, token_type) (rate(kong_ai_llm_tokens_total', 'sum by (ai_provider, ai_model) (increase(kong_ai_llm_cost_total',
      'sum by (le, ai_provider, ai_model) (rate(kong_ai_llm_provider_latency_ms_bucket']) {
      expect(all).toContain(needed)
    }
  })

  it('panels do not overlap', () => {
    const cells = new Set<string>()
    for (const p of dash.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), p.title).toBe(false)
          cells.add(`${x},${y}`)
        }
      }
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24)
    }
  })
})
