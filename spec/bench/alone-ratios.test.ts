// The alone bench's arithmetic: the window schedule (a b a a2 a … a), each b or a2 window divided by the mean of
// its two a neighbours (a linear drift cancels exactly, a constant factor is recovered), one window's figure from
// its clocks and wrk's report (no requests, failed answers), and the series summed up.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aloneSchedule, type AloneKind } from '../../bench/measure/alone-schedule.ts';
import { summarizeAlone } from '../../bench/measure/alone-summary.ts';
import { neighbourRatios } from '../../bench/measure/neighbour-ratios.ts';
import type { CpuClocks } from '../../bench/proc/cpu-clock.ts';
import { parseWrk } from '../../bench/load/wrk.ts';
import { aloneWindow } from '../../bench/measure/run-alone.ts';
import type { AloneWindow } from '../../bench/measure/types.ts';

const relClose = (got: number, want: number): void => expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-9 * Math.abs(want));

describe('aloneSchedule', () => {
  it.each([
    [0, ['a']],
    [1, ['a', 'b', 'a', 'a2', 'a']],
    [2, ['a', 'b', 'a', 'a2', 'a', 'b', 'a', 'a2', 'a']],
  ])('%d per series → %j', (n, want) => {
    expect(aloneSchedule(n)).toEqual(want);
  });

  it.each([-1, 1.5, NaN, Infinity, 2 ** 53])('refuses %d', (n) => {
    expect(() => aloneSchedule(n)).toThrow(RangeError);
  });

  it('4n+1 windows, n of b and n of a2, every one between two a windows; both series see the same neighbours', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 60 }), (n) => {
      const w = aloneSchedule(n);
      expect(w).toHaveLength(4 * n + 1);
      expect(w.filter((k) => k === 'b')).toHaveLength(n);
      expect(w.filter((k) => k === 'a2')).toHaveLength(n);
      expect(w[0]).toBe('a');
      expect(w.at(-1)).toBe('a');
      for (let i = 0; i < w.length; i++) {
        if (w[i] === 'a') continue;
        expect([w[i - 1], w[i + 1]]).toEqual(['a', 'a']);
        // the left neighbour follows the other series' window (b's first one follows the warm-up, which ends on a),
        // the right one follows this window: the two series' neighbours have the same history
        expect(w[i - 2]).toBe(w[i] === 'b' ? (i === 1 ? undefined : 'a2') : 'b');
      }
    }));
  });
});

describe('neighbourRatios', () => {
  const series = (n: number, at: (i: number, kind: AloneKind) => number): { kind: AloneKind; us: number }[] =>
    aloneSchedule(n).map((kind, i) => ({ kind, us: at(i, kind) }));

  it('a linear drift over the run cancels exactly: every b ratio is b\'s factor, every a2 ratio a2\'s', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 30 }),
      fc.double({ min: 5, max: 500, noNaN: true }), // a's µs/req at the start
      fc.double({ min: -0.9, max: 3, noNaN: true }), // how far it drifts by the end, as a share of the start
      fc.double({ min: 0.5, max: 3, noNaN: true }), // b's factor
      fc.double({ min: 0.9, max: 1.1, noNaN: true }), // a2's factor
      (n, start, drift, fb, fa2) => {
        const last = 4 * n;
        const base = (i: number): number => start * (1 + (drift * i) / last);
        const w = series(n, (i, k) => base(i) * (k === 'b' ? fb : k === 'a2' ? fa2 : 1));
        const rb = neighbourRatios(w, 'b');
        const ra2 = neighbourRatios(w, 'a2');
        expect(rb).toHaveLength(n);
        expect(ra2).toHaveLength(n);
        for (const r of rb) relClose(r, fb);
        for (const r of ra2) relClose(r, fa2);
      },
    ));
  });

  it('a constant factor on b is recovered whatever the a windows do, when each b sits at its neighbours\' mean × the factor', () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 3, maxLength: 61 }),
      fc.double({ min: 0.2, max: 5, noNaN: true }),
      (as, f) => {
        const w: { kind: AloneKind; us: number }[] = [];
        as.forEach((us, i) => {
          if (i > 0) w.push({ kind: 'b', us: f * ((as[i - 1]! + us) / 2) });
          w.push({ kind: 'a', us });
        });
        for (const r of neighbourRatios(w, 'b')) relClose(r, f);
      },
    ));
  });

  it('a curved drift does not cancel (the test above could fail): a = i², b = a × 1 gives (i²) ÷ (i² + 1)', () => {
    const w = series(2, (i) => i * i);
    expect(neighbourRatios(w, 'b')).toEqual([1 / 2, 25 / 26]);
  });

  it.each([
    ['no right neighbour', [['a', 10], ['b', 12]], [NaN]],
    ['no left neighbour', [['b', 12], ['a', 10]], [NaN]],
    ['a neighbour is not an a window', [['a', 10], ['b', 12], ['a2', 10]], [NaN]],
    ['a neighbour answered nothing (NaN)', [['a', NaN], ['b', 12], ['a', 10]], [NaN]],
    ['the window itself answered nothing', [['a', 10], ['b', NaN], ['a', 10]], [NaN]],
    ['neighbours at 0 µs', [['a', 0], ['b', 12], ['a', 0]], [NaN]],
    ['one broken window spoils only its own ratios', [['a', 10], ['b', 11], ['a', NaN], ['b', 12], ['a', 10], ['b', 13], ['a', 10]], [NaN, NaN, 1.3]],
    ['plain', [['a', 10], ['b', 12], ['a', 14]], [1]],
  ] as [string, [AloneKind, number][], number[]][])('%s', (_what, ws, want) => {
    const got = neighbourRatios(ws.map(([kind, us]) => ({ kind, us })), 'b');
    expect(got).toHaveLength(want.length);
    got.forEach((r, i) => (Number.isNaN(want[i]) ? expect(r).toBeNaN() : expect(r).toBeCloseTo(want[i]!, 12)));
  });
});

const WRK_OK = `Running 3s test @ http://127.0.0.1:1/v1/chat/completions
  1 threads and 50 connections
  Latency Distribution
     50%    2.10ms
     99%    5.00ms
  30000 requests in 3.00s, 40.00MB read
Requests/sec:  10000.00
Transfer/sec:     13.33MB
`;
const WRK_ERRORS = `Running 3s test @ http://127.0.0.1:1/v1/chat/completions
  30000 requests in 3.00s, 40.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:  10000.00
`;
const WRK_NONE = `Running 3s test @ http://127.0.0.1:1/v1/chat/completions
  0 requests in 3.00s, 0.00B read
  Socket errors: connect 50, read 0, write 0, timeout 0
Requests/sec:      0.00
`;

function clocks(ns: [string, number][], ticks: number): CpuClocks {
  return { threadNs: new Map(ns), ticks, unreadable: 0 };
}

describe('aloneWindow', () => {
  const before = clocks([['1/1', 1e9], ['1/2', 5e8]], 1000);
  const after = clocks([['1/1', 1e9 + 1.2e9], ['1/2', 5e8 + 0.3e9]], 1150);

  it('CPU per request over the measured part: 1.5 s of run time over 30000 requests is 50 µs; ticks the same', () => {
    const w = aloneWindow(3, 'b', 12, before, after, parseWrk(WRK_OK), 3, 1.6);
    expect(w).toMatchObject({ index: 3, kind: 'b', applyMs: 12, requests: 30000, non2xx: 0, socketErrors: 0, cpuNs: 1.5e9, threadsEnded: 0 });
    expect(w.cpuUs).toBeCloseTo(50, 9);
    expect(w.cpuUsTicks).toBeCloseTo(50, 9);
    expect(w.foreignCpuPct).toBeCloseTo((100 * 0.1) / 3, 9); // 1.6 s busy, 1.5 s of it the gateway's
  });

  it.each([
    ['failed answers and socket errors', WRK_ERRORS, 30000, 7, 3],
    ['no request answered (the gateway is gone)', WRK_NONE, 0, 0, 50],
  ])('%s: no figure (NaN), the errors counted', (_what, out, requests, non2xx, socket) => {
    const w = aloneWindow(1, 'a', 5, before, after, parseWrk(out), 3, 0);
    expect(w).toMatchObject({ requests, non2xx, socketErrors: socket });
    expect(w.cpuUs).toBeNaN();
    expect(w.cpuUsTicks).toBeNaN();
    expect(w.foreignCpuPct).toBe(0);
  });

  it('a thread that ended in the window is counted as ended (its run time shows only in the ticks)', () => {
    const w = aloneWindow(1, 'a', 5, before, clocks([['1/1', 2.2e9]], 1150), parseWrk(WRK_OK), 3, 1.5);
    expect(w.threadsEnded).toBe(1);
    expect(w.cpuNs).toBe(1.2e9);
  });

  it('wrk output it cannot read is an error, not a window of zeros', () => {
    expect(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused\n')).toThrow(/cannot parse/);
  });
});

describe('summarizeAlone', () => {
  const win = (index: number, kind: AloneKind, cpuUs: number, errs = 0): AloneWindow => ({
    index, kind, applyMs: 10 + index, requests: 1000, non2xx: errs, socketErrors: 0, cpuNs: 0, cpuTicksS: 0, cpuUs, cpuUsTicks: cpuUs,
    threadsEnded: 0, wallS: 3, foreignCpuPct: index,
  });
  const labels = { b: '+plugins', a2: 'A/A' };

  it('one row per series, A/A first: ratios to the neighbours, medians of µs/req, errors of the series and of the a windows', () => {
    const ws = aloneSchedule(2).map((k, i) => win(i + 1, k, k === 'b' ? 60 : k === 'a2' ? 51 : 50));
    ws[4] = { ...ws[4]!, non2xx: 2 }; // an a window
    ws[5] = { ...ws[5]!, non2xx: 1 }; // a b window
    const [aa, b] = summarizeAlone(ws, labels);
    expect(aa).toMatchObject({ label: 'A/A', kind: 'a2', us: 51, aUs: 50, errors: 2 });
    expect(b).toMatchObject({ label: '+plugins', kind: 'b', us: 60, aUs: 50, errors: 3 });
    expect(b!.ratio).toMatchObject({ median: 1.2, n: 2 });
    expect(aa!.ratio.median).toBeCloseTo(1.02, 12);
    expect(b!.ratioTicksMedian).toBeCloseTo(1.2, 12);
    expect(b!.applyMsMedian).toBe((12 + 16) / 2);
  });

  it('no windows (the gateway never served): rows with no figures', () => {
    const rows = summarizeAlone([], labels);
    expect(rows.map((r) => [r.kind, r.ratio.n, r.errors])).toEqual([['a2', 0, 0], ['b', 0, 0]]);
    expect(rows[1]!.ratio.median).toBeNaN();
  });
});
