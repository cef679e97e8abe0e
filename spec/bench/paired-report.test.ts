// The paired measure's report: its target checked against the A/A calibration, its table, its command-line
// options, and the obs-overhead scenario's pairs naming gateways it starts.
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/cli/parse-args.ts';
import { spread } from '../../bench/measure/paired-stats.ts';
import type { PairedResult, PairedRow } from '../../bench/measure/types.ts';
import { formatPaired } from '../../bench/report/format-paired.ts';
import { checkPairedGoals } from '../../bench/report/goals.ts';
import { obsOverhead } from '../../bench/scenarios/obs-overhead.ts';

const AA = 'A/A: ai-proxy vs ai-proxy';
const AB = '+prometheus +opentelemetry';

function row(label: string, ratios: number[], errors = 0): PairedRow {
  return { label, a: 'ai-proxy', b: label, rounds: [], ratio: spread(ratios), ratioTicksMedian: 1, requestsRatioMedian: 1, aUs: 50, bUs: 55, roundWallS: 5, errors, foreignCpuPctMedian: 0 };
}

function result(rows: PairedRow[]): PairedResult {
  return { name: 'obs-overhead', title: 't', connectionsPerSide: 25, durationS: 5, warmupS: 3, rounds: 3, rows,
    goal: { pair: AB, maxRatio: 1.15, calibration: AA }, elapsedS: 1 };
}

describe('checkPairedGoals', () => {
  it.each([
    // A/A ratios, A/B ratios, A/B errors, status, text in the measured cell
    [[0.99, 1.0, 1.01], [1.10, 1.12, 1.14], 0, 'pass', '+12.0 %'],
    [[0.99, 1.0, 1.01], [1.14, 1.15, 1.2], 0, 'pass', '+15.0 %'],
    [[0.99, 1.0, 1.01], [1.15, 1.16, 1.3], 0, 'FAIL', '+16.0 %'],
    [[0.99, 1.0, 1.01], [1.0, 1.05, 1.1], 3, 'FAIL', 'with 3 errors'],
    [[1.03, 1.049, 1.06], [1.0, 1.05, 1.1], 0, 'pass', 'A/A +4.9 %'],
    [[1.05, 1.06, 1.07], [1.0, 1.05, 1.1], 0, 'not measured', 'A/A off 1.00'],
    [[0.90, 0.93, 0.95], [1.0, 1.05, 1.1], 0, 'not measured', 'A/A off 1.00'],
    [[NaN, NaN], [1.0, 1.05, 1.1], 0, 'not measured', 'no A/A calibration'],
    [[0.99, 1.0, 1.01], [NaN], 0, 'not measured', 'not measured'],
  ])('A/A %j, A/B %j, %d errors → %s', (aa, ab, errors, status, text) => {
    const [g] = checkPairedGoals([result([row(AA, aa), row(AB, ab, errors)])]);
    expect(g!.status).toBe(status);
    expect(g!.value).toContain(text);
  });

  it('a skipped pair is not measured, with its reason; a scenario without a goal adds none', () => {
    const skipped: PairedRow = { label: AB, a: 'ai-proxy', b: AB, rounds: [], errors: 0, skipped: 'gateway exited (1): unknown plugin' };
    expect(checkPairedGoals([result([row(AA, [1]), skipped])])[0]).toMatchObject({ status: 'not measured', value: expect.stringContaining('unknown plugin') });
    expect(checkPairedGoals([{ ...result([row(AA, [1])]), goal: undefined }])).toEqual([]);
    expect(checkPairedGoals([])).toEqual([]);
  });
});

describe('formatPaired', () => {
  it('one line per pair with median, IQR, range and rounds; a skipped pair says so; NaN shows as —', () => {
    const skipped: PairedRow = { label: '+opentelemetry', a: 'ai-proxy', b: 'x', rounds: [], errors: 0, skipped: 'preflight failed: 500' };
    const md = formatPaired(result([row(AA, [0.98, 1.0, 1.02, 1.04]), skipped, { ...row(AB, [1.2, 1.3]), aUs: NaN }]));
    const lines = md.split('\n').filter((l) => l.startsWith('| '));
    expect(lines).toHaveLength(4); // header + 3 pairs
    const cells = (l: string): string[] => l.split(' | ').map((c) => c.replace(/^\| |\s\|$/g, ''));
    expect(cells(lines[1]!)).toEqual([`${AA} (ai-proxy → ${AA})`, '50.0', '55.0', '1.010 (+1.0 %)', '0.995 … 1.025', '0.980 … 1.040', '1.000', '1.000', '4', '5.0', '0', '0']);
    expect(cells(lines[2]!)).toContain('skipped');
    expect(cells(lines[3]!)[1]).toBe('—');
    expect(md).toContain('- +opentelemetry: skipped: preflight failed: 500');
    for (const l of lines) expect(cells(l)).toHaveLength(cells(lines[0]!).length);
  });
});

describe('paired options and scenario', () => {
  it.each([
    [[], null, null],
    [['--paired-rounds', '25', '--paired-duration', '8'], 25, 8],
    [['--paired-rounds', '0'], 1, null],
  ])('%j → rounds %s, seconds %s', (argv, rounds, seconds) => {
    const o = parseBenchArgs(argv);
    expect(o.pairedRounds).toBe(rounds);
    expect(o.pairedDurationS).toBe(seconds);
  });

  it.each([['--paired-rounds', 'x'], ['--paired-duration=-2', ''], ['--paired-rounds', '1.5']])('%s %s is refused', (flag, v) => {
    expect(() => parseBenchArgs([flag, v].filter(Boolean))).toThrow(/whole number/);
  });

  it('obs-overhead: an A/A pair of identical configs calibrates the goal pair; every b is its a plus plugins', () => {
    const config = (g: (typeof obsOverhead.pairs)[number]['a']): { services: { plugins: { name: string }[] }[] } =>
      g.config('http://127.0.0.1:1') as never;
    const cal = obsOverhead.pairs.find((p) => p.label === obsOverhead.goal!.calibration)!;
    expect(config(cal.a)).toEqual(config(cal.b));
    expect(obsOverhead.pairs.map((p) => p.label)).toContain(obsOverhead.goal!.pair);
    for (const p of obsOverhead.pairs) {
      const [a, b] = [config(p.a).services[0]!.plugins, config(p.b).services[0]!.plugins];
      expect(b.slice(0, a.length)).toEqual(a);
      expect(a.map((x) => x.name)).toEqual(['ai-proxy']);
    }
    expect(obsOverhead.connectionsPerSide * 2).toBe(50);
  });
});
