/** The project's performance targets (gateway on one core, c=50), checked against a run's results. */
import { percent } from '../measure/paired-stats.ts';
import type { AloneResult, PairedResult, ScenarioResult } from '../measure/types.ts';
import { added, errorCount, rateRatio, ratio, rowByLabel, rowByRole } from './derive.ts';

export interface GoalCheck {
  goal: string;
  status: 'pass' | 'FAIL' | 'not measured';
  value: string;
}

interface Goal {
  goal: string;
  scenario: string;
  row: string;
  /** The measured value and whether it meets the goal. */
  measure: (r: ScenarioResult, row: NonNullable<ReturnType<typeof rowByLabel>>) => { value: number; ok: boolean; text: string };
}

type Ref = 'nginx' | 'floor' | 'peer' | 'direct';
const atLeastTimes = (ref: Ref, min: number): Goal['measure'] => (r, row) => {
  const v = ratio(r, row, ref);
  return { value: v, ok: v >= min, text: `${v.toFixed(2)}× ${ref}` };
};
const addedAtMost = (pct: 'p50' | 'p99', maxUs: number, what: string): Goal['measure'] => (r, row) => {
  const v = added(r, row)[pct];
  return { value: v, ok: v <= maxUs, text: `${Math.round(v)} µs ${what}` };
};

const ratesAtLeastTimes = (ref: Ref, min: number, unit: string): Goal['measure'] => (r, row) => {
  const v = rateRatio(r, row, ref);
  return { value: v, ok: v >= min, text: `${v.toFixed(2)}× ${ref} ${unit}` };
};
/** Added p99 within `times` × the reference's added p99 in the same rounds (the reference's crossing of cores is the floor). */
const addedP99WithinTimes = (ref: Ref, times: number): Goal['measure'] => (r, row) => {
  const base = rowByRole(r, ref);
  const mine = added(r, row).p99;
  const theirs = base ? added(r, base).p99 : NaN;
  // The reference's added p99 at or below 0 (the direct call's p99 was the noisier one) gives no scale: not measured.
  if (!(theirs > 0)) return { value: NaN, ok: false, text: `${ref}'s added p99 was ${Math.round(theirs)} µs (noisy run, no scale)` };
  const v = mine / theirs;
  return { value: v, ok: v <= times, text: `${Math.round(mine)} µs = ${v.toFixed(1)}× ${ref}'s ${Math.round(theirs)} µs` };
};

const GOALS: Goal[] = [
  { goal: 'plain proxy c=50 ≥ 1.0 × floor req/s', scenario: 'plain-proxy', row: 'gateway', measure: atLeastTimes('floor', 1.0) },
  { goal: 'SSE ai-proxy (50 streams) ≥ 0.60 × floor streams/s', scenario: 'sse-burst', row: 'gateway ai-proxy', measure: ratesAtLeastTimes('floor', 0.6, 'streams/s') },
  { goal: 'plain proxy added p99 at c=1 ≤ 2 × nginx\'s added p99', scenario: 'latency-c1', row: 'gateway', measure: addedP99WithinTimes('nginx', 2) },
  { goal: 'ai-proxy added p99 at c=1 ≤ 2 × nginx\'s added p99', scenario: 'latency-c1', row: 'gateway ai-proxy', measure: addedP99WithinTimes('nginx', 2) },
  { goal: 'plain proxy ≥ 0.40 × nginx req/s', scenario: 'plain-proxy', row: 'gateway', measure: atLeastTimes('nginx', 0.4) },
  { goal: 'ai-proxy OpenAI→OpenAI ≥ 0.26 × nginx req/s', scenario: 'ai-openai', row: 'gateway ai-proxy', measure: atLeastTimes('nginx', 0.26) },
  { goal: 'ai-proxy OpenAI→OpenAI ≥ 25 × Portkey req/s', scenario: 'ai-openai', row: 'gateway ai-proxy', measure: atLeastTimes('peer', 25) },
  { goal: 'ai-proxy OpenAI→OpenAI added latency at c=1: p50 ≤ 60 µs', scenario: 'latency-c1', row: 'gateway ai-proxy', measure: addedAtMost('p50', 60, 'added p50') },
  { goal: 'ai-proxy OpenAI→OpenAI added latency at c=1: p99 ≤ 100 µs', scenario: 'latency-c1', row: 'gateway ai-proxy', measure: addedAtMost('p99', 100, 'added p99') },
  { goal: 'ai-proxy OpenAI→Anthropic ≥ 0.16 × nginx req/s', scenario: 'ai-anthropic', row: 'gateway ai-proxy', measure: atLeastTimes('nginx', 0.16) },
  { goal: 'SSE (ai-proxy) added TTFB p99 ≤ 300 µs', scenario: 'sse-spaced', row: 'gateway ai-proxy', measure: addedAtMost('p99', 300, 'added TTFB p99') },
  { goal: 'SSE (ai-proxy) chunk rate ≥ 0.5 × direct', scenario: 'sse-burst', row: 'gateway ai-proxy', measure: atLeastTimes('direct', 0.5) },
  {
    goal: 'peak RSS ≤ 120 MB with 1000 concurrent streams (ai-proxy)',
    scenario: 'sse-memory',
    row: 'gateway ai-proxy',
    measure: (_r, row) => ({ value: row.peakRssMb ?? NaN, ok: (row.peakRssMb ?? Infinity) <= 120, text: `${(row.peakRssMb ?? NaN).toFixed(1)} MB` }),
  },
];

/** A measured series of ratios: its spread, the errors behind it, why it was not run. */
interface RatioSeries {
  ratio?: { median: number; q1: number; q3: number; n: number };
  errors: number;
  skipped?: string;
}

/**
 * A ratio target: the series' median within `maxRatio`. Not measured when the A/A series that calibrates it is off
 * 1.00 by more than 5 %: the method itself is then biased, and so is the figure. `unit` names what a ratio is taken
 * over (rounds, windows).
 */
function ratioGoal(goal: string, label: string, row: RatioSeries | undefined, cal: RatioSeries | undefined, maxRatio: number, unit: string): GoalCheck {
  const text = (r: NonNullable<RatioSeries['ratio']>): string => `${percent(r.median)} (IQR ${percent(r.q1)} … ${percent(r.q3)}, ${r.n} ${unit})`;
  if (!row?.ratio || !(row.ratio.n > 0)) return { goal, status: 'not measured', value: row?.skipped ? `skipped: ${row.skipped.slice(0, 160)}` : `${label} not measured` };
  if (!cal?.ratio || !(cal.ratio.n > 0)) return { goal, status: 'not measured', value: `${text(row.ratio)}; no A/A calibration` };
  const value = `${text(row.ratio)}; A/A ${text(cal.ratio)}`;
  if (Math.abs(cal.ratio.median - 1) > 0.05) return { goal, status: 'not measured', value: `${value}: A/A off 1.00, the method is biased` };
  const errs = row.errors + cal.errors;
  const ok = row.ratio.median <= maxRatio && errs === 0;
  return { goal, status: ok ? 'pass' : 'FAIL', value: value + (errs ? ` (with ${errs} errors: not valid)` : '') };
}

/** The paired scenarios' targets: the goal pair's median ratio within its ceiling, calibrated by the A/A pair. */
export function checkPairedGoals(paired: PairedResult[]): GoalCheck[] {
  return paired.flatMap((p): GoalCheck[] => {
    if (!p.goal) return [];
    const goal = `${p.goal.pair} on ai-proxy: CPU µs/req ≤ ${p.goal.maxRatio.toFixed(2)} × ai-proxy's (${p.name}, paired on one core)`;
    const row = p.rows.find((x) => x.label === p.goal!.pair);
    const cal = p.rows.find((x) => x.label === p.goal!.calibration);
    return [ratioGoal(goal, p.goal.pair, row, cal, p.goal.maxRatio, 'rounds')];
  });
}

/**
 * The alone scenarios' targets (bench/measure/run-alone.ts): the b series' median ratio within its ceiling,
 * calibrated by the interleaved A/A series. A gateway that could not start or serve leaves both series unmeasured.
 */
export function checkAloneGoals(alone: AloneResult[]): GoalCheck[] {
  return alone.flatMap((r): GoalCheck[] => {
    if (!r.goal) return [];
    const label = r.labels.b;
    const goal = `${label} on ai-proxy: CPU µs/req ≤ ${r.goal.maxRatio.toFixed(2)} × ai-proxy's (${r.name}, one gateway alone on its core, config swapped per window)`;
    // a run cut short by an error has a partial table, not a figure
    const why = r.skipped ?? (r.error ? `error: ${r.error.split('\n')[0]!.replace(/^\w*Error: /, '')}` : undefined);
    if (why) return [{ goal, status: 'not measured', value: why.slice(0, 200) }];
    return [ratioGoal(goal, label, r.rows.find((x) => x.kind === 'b'), r.rows.find((x) => x.kind === 'a2'), r.goal.maxRatio, 'windows')];
  });
}

export function checkGoals(results: ScenarioResult[]): GoalCheck[] {
  return GOALS.map((g) => {
    const r = results.find((x) => x.name === g.scenario);
    const row = r && rowByLabel(r, g.row);
    if (!r) return { goal: g.goal, status: 'not measured', value: `scenario ${g.scenario} not run` };
    if (!row || row.skipped || !row.median) return { goal: g.goal, status: 'not measured', value: row?.skipped ? `skipped: ${row.skipped.slice(0, 160)}` : `${g.row} not measured` };
    const m = g.measure(r, row);
    if (!Number.isFinite(m.value)) return { goal: g.goal, status: 'not measured', value: m.text.includes('peer') ? 'no Portkey row (run with --peers)' : m.text.includes('no scale') ? m.text : `${m.text} (reference row missing)` };
    const errs = errorCount(row);
    const noise = row.median.foreignCpuPct ?? 0;
    const notes = [errs ? `with ${errs} errors: not valid` : '', noise >= 5 ? `disturbed: gateway core ${Math.round(noise)}% busy with other processes` : '']
      .filter(Boolean).join('; ');
    return { goal: g.goal, status: m.ok && errs === 0 ? 'pass' : 'FAIL', value: m.text + (notes ? ` (${notes})` : '') };
  });
}

export function formatGoals(checks: GoalCheck[]): string {
  return ['| target | result | measured |', '|---|---|---|', ...checks.map((c) => `| ${c.goal} | ${c.status} | ${c.value} |`)].join('\n');
}
