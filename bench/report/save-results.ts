/** Writes a run to bench/results/<timestamp>.json and .md. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AloneResult, PairedResult, ScenarioResult } from '../measure/types.ts';
import { formatAlone } from './format-alone.ts';
import { formatPaired } from './format-paired.ts';
import { formatScenario } from './format-table.ts';
import { formatGoals, type GoalCheck } from './goals.ts';
import { formatMachine, type MachineInfo } from './machine-info.ts';

export interface BenchReport {
  machine: MachineInfo;
  settings: Record<string, unknown>;
  scenarios: ScenarioResult[];
  /** The paired measures (bench/measure/run-paired.ts). */
  paired: PairedResult[];
  /** The alone measures (bench/measure/run-alone.ts). */
  alone: AloneResult[];
  goals: GoalCheck[];
}

export function reportMarkdown(r: BenchReport): string {
  return [
    '# Tollgate bench results',
    '',
    formatMachine(r.machine),
    `- settings: ${Object.entries(r.settings).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`,
    '',
    ...r.scenarios.flatMap((s) => [formatScenario(s), '']),
    ...r.paired.flatMap((p) => [formatPaired(p), '']),
    ...r.alone.flatMap((a) => [formatAlone(a), '']),
    '## Targets',
    '',
    formatGoals(r.goals),
    '',
  ].join('\n');
}

export function saveResults(dir: string, r: BenchReport): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = r.machine.date.replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
  const json = join(dir, `${stamp}.json`);
  const md = join(dir, `${stamp}.md`);
  writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  writeFileSync(md, reportMarkdown(r));
  return { json, md };
}
