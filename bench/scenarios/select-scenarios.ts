/**
 * Which scenarios, tables and targets a run covers: `--only` takes table names (plain-proxy, plugins, ...) or
 * scenario names (chat-json); a scenario then measures only the gateway set-ups its chosen tables show.
 */
import type { Scenario } from './types.ts';

export function tableNames(all: Scenario[]): string[] {
  return all.flatMap((s) => s.tables.map((t) => t.name));
}

export function selectScenarios(all: Scenario[], only: string[] | null, full: boolean): Scenario[] {
  const out: Scenario[] = [];
  for (const s of all) {
    if (!only && s.fullOnly && !full) continue;
    const tables = !only || only.includes(s.name) ? s.tables : s.tables.filter((t) => only.includes(t.name));
    if (tables.length === 0) continue;
    const shown = new Set(tables.flatMap((t) => t.rows));
    out.push({ ...s, tables, gateways: s.gateways.filter((g) => shown.has(g.label)), peer: s.peer && shown.has(s.peer.label) ? s.peer : undefined });
  }
  return out;
}
