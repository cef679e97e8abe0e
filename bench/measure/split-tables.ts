/** Cuts a scenario's measured rows into its report tables (each with the shared direct, nginx and floor rows). */
import type { Scenario } from '../scenarios/types.ts';
import type { ScenarioResult } from './types.ts';

export function splitTables(s: Scenario, r: ScenarioResult): ScenarioResult[] {
  return s.tables.map((t) => ({
    ...r,
    name: t.name,
    title: t.title,
    rows: r.rows.filter((row) => row.role === 'direct' || row.role === 'nginx' || row.role === 'floor' || t.rows.includes(row.label)),
  }));
}
