// The alone measure's report: its target checked against the interleaved A/A series, its table, and where both
// go beside the paired measure's (the saved .md and the command line's scenario list).
import { describe, expect, it } from 'vitest';
import { USAGE } from '../../bench/cli/parse-args.ts';
import { spread } from '../../bench/measure/paired-stats.ts';
import type { AloneResult, AloneRow } from '../../bench/measure/types.ts';
import { formatAlone } from '../../bench/report/format-alone.ts';
import { checkAloneGoals } from '../../bench/report/goals.ts';
import { reportMarkdown } from '../../bench/report/save-results.ts';

const labels = { a2: 'A/A: ai-proxy (route renamed) vs ai-proxy', b: '+prometheus +opentelemetry' };

function row(kind: 'a2' | 'b', ratios: number[], errors = 0): AloneRow {
  return { label: labels[kind], kind, ratio: spread(ratios), ratioTicksMedian: 1, us: 55, aUs: 50, errors, foreignCpuPctMedian: 0, applyMsMedian: 12 };
}

function result(aa: number[], ab: number[], extra: Partial<AloneResult> = {}, errors = 0): AloneResult {
  return { name: 'obs-overhead-alone', title: 't', connections: 50, durationS: 3, settleS: 1, warmupS: 9, pairs: 3, labels, windows: [],
    rows: [row('a2', aa), row('b', ab, errors)], goal: { maxRatio: 1.15 }, elapsedS: 1, ...extra };
}

describe('checkAloneGoals', () => {
  it.each([
    // A/A ratios, A/B ratios, errors, status, text in the measured cell
    [[0.99, 1.0, 1.01], [1.10, 1.12, 1.14], 0, 'pass', '+12.0 % (IQR +11.0 % … +13.0 %, 3 windows); A/A +0.0 %'],
    [[0.99, 1.0, 1.01], [1.14, 1.15, 1.2], 0, 'pass', '+15.0 %'],
    [[0.99, 1.0, 1.01], [1.15, 1.16, 1.3], 0, 'FAIL', '+16.0 %'],
    [[0.99, 1.0, 1.01], [1.0, 1.05, 1.1], 3, 'FAIL', 'with 3 errors'],
    [[1.03, 1.049, 1.06], [1.0, 1.05, 1.1], 0, 'pass', 'A/A +4.9 %'],
    [[1.05, 1.06, 1.07], [1.0, 1.05, 1.1], 0, 'not measured', 'A/A off 1.00'],
    [[0.90, 0.93, 0.95], [1.0, 1.05, 1.1], 0, 'not measured', 'A/A off 1.00'],
    [[NaN, NaN], [1.0, 1.05, 1.1], 0, 'not measured', 'no A/A calibration'],
    [[0.99, 1.0, 1.01], [NaN], 0, 'not measured', '+prometheus +opentelemetry not measured'],
  ])('A/A %j, A/B %j, %d errors → %s', (aa, ab, errors, status, text) => {
    const [g] = checkAloneGoals([result(aa, ab, {}, errors)]);
    expect(g!.goal).toContain('≤ 1.15 × ai-proxy\'s (obs-overhead-alone, one gateway alone on its core');
    expect(g!.status).toBe(status);
    expect(g!.value).toContain(text);
  });

  it.each([
    [{ skipped: 'gateway exited (1): unknown plugin' }, 'gateway exited (1): unknown plugin'],
    [{ error: 'Error: wrk exited with 1: x\n    at runWrk' }, 'error: wrk exited with 1: x'],
  ])('a run that was %j is not measured, whatever its rows say', (extra, text) => {
    expect(checkAloneGoals([result([1, 1], [1.1, 1.1], extra)])[0]).toEqual(expect.objectContaining({ status: 'not measured', value: text }));
  });

  it('a scenario without a goal adds none', () => {
    expect(checkAloneGoals([{ ...result([1], [1]), goal: undefined }])).toEqual([]);
    expect(checkAloneGoals([])).toEqual([]);
  });
});

describe('formatAlone', () => {
  const cells = (l: string): string[] => l.split(' | ').map((c) => c.replace(/^\| |\s\|$/g, ''));

  it('one line per series with its median, IQR, range, windows; NaN shows as —; every line as wide as the header', () => {
    const md = formatAlone({ ...result([0.98, 1.0, 1.02, 1.04], [1.2, 1.3]), rows: [row('a2', [0.98, 1.0, 1.02, 1.04]), { ...row('b', [1.2, 1.3], 4), aUs: NaN }] });
    const lines = md.split('\n').filter((l) => l.startsWith('| '));
    expect(lines).toHaveLength(3);
    expect(cells(lines[1]!)).toEqual([labels.a2, '50.0', '55.0', '1.010 (+1.0 %)', '0.995 … 1.025', '0.980 … 1.040', '1.000', '4', '12', '0', '0']);
    expect(cells(lines[2]!)[1]).toBe('—');
    expect(cells(lines[2]!)[9]).toBe('**4**');
    for (const l of lines) expect(cells(l)).toHaveLength(cells(lines[0]!).length);
    expect(md).toContain('a b a a2 a … a (3 b and 3 a2 windows), each window 1 s of load to settle then 3 s measured');
  });

  it.each([
    [{ skipped: 'preflight failed: 500' }, '- skipped: preflight failed: 500', 'skipped'],
    [{ error: 'Error: boom\n  at x' }, '- scenario error (the table holds the windows measured before it): Error: boom', '1.000 (+0.0 %)'],
  ])('%j: a note under the table', (extra, note, cell) => {
    const md = formatAlone(result([1], [1], extra));
    expect(md).toContain(note);
    expect(md.split('\n').filter((l) => l.startsWith('| '))[1]).toContain(cell);
  });
});

describe('beside the paired measure', () => {
  it('the saved .md holds the alone table after the paired ones, and the targets', () => {
    const md = reportMarkdown({ machine: { date: 'd', cpu: 'c', cores: 2, memoryGb: 1, os: 'o', kernel: 'k', node: 'n', versions: {}, git: { commit: 'g', dirty: false }, placement: 'p', loadAverage: [0, 0, 0] } as never,
      settings: {}, scenarios: [], paired: [], alone: [result([1], [1.1])], goals: checkAloneGoals([result([1], [1.1])]) });
    expect(md.indexOf('### obs-overhead-alone')).toBeGreaterThan(0);
    expect(md.indexOf('## Targets')).toBeGreaterThan(md.indexOf('### obs-overhead-alone'));
    expect(md).toContain('obs-overhead-alone, one gateway alone on its core, config swapped per window) | pass |');
  });

  it('--only names it', () => {
    expect(USAGE).toContain('obs-overhead-alone');
  });
});
