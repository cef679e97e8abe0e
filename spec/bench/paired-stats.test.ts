// The paired bench's arithmetic: CPU per request, the per-round ratio, quantiles (median, quartiles) and their
// invariants, the percentage shown; and the round schedule that alternates which side starts first.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairedSchedule } from '../../bench/measure/paired-schedule.ts';
import { cpuPerRequestUs, median, percent, quantile, roundRatio, spread } from '../../bench/measure/paired-stats.ts';

describe('cpuPerRequestUs', () => {
  it.each([
    [5e9, 100_000, 50],
    [0, 10, 0],
    [1000, 1, 1],
  ])('%d ns over %d requests = %d µs', (ns, req, us) => {
    expect(cpuPerRequestUs(ns, req)).toBe(us);
  });

  it.each([
    [1e9, 0], [1e9, -3], [1e9, NaN], [1e9, Infinity], [-1, 10], [NaN, 10], [Infinity, 10],
  ])('%d ns over %d requests is NaN (no figure rather than a wrong one)', (ns, req) => {
    expect(cpuPerRequestUs(ns, req)).toBeNaN();
  });
});

describe('roundRatio', () => {
  it.each([
    [50, 57.5, 1.15], [40, 40, 1], [60, 30, 0.5], [10, 0, 0],
  ])('a %d µs, b %d µs → %d', (a, b, r) => {
    expect(roundRatio(a, b)).toBeCloseTo(r, 12);
  });

  it.each([
    [0, 10], [-1, 10], [10, -1], [NaN, 10], [10, NaN], [Infinity, 10], [10, Infinity],
  ])('a %d, b %d → NaN', (a, b) => {
    expect(roundRatio(a, b)).toBeNaN();
  });
});

describe('quantile', () => {
  it.each([
    [[], 0.5, NaN],
    [[3], 0.5, 3],
    [[3], 0, 3],
    [[1, 2], 0.5, 1.5],
    [[5, 1, 3], 0.5, 3],
    [[4, 1, 3, 2], 0.5, 2.5],
    [[1, 2, 3, 4, 5], 0.25, 2],
    [[1, 2, 3, 4, 5], 0.75, 4],
    [[1, 2, 3, 4], 0.25, 1.75],
    [[1, 2, 3, 4], 1, 4],
    [[1, 2, 3, 4], 0, 1],
    [[NaN, 2, Infinity, 4, -Infinity], 0.5, 3], // only finite values count
    [[NaN, NaN], 0.5, NaN],
    [[1, 2], -0.1, NaN],
    [[1, 2], 1.1, NaN],
    [[1, 2], NaN, NaN],
  ])('quantile(%j, %d) = %d', (xs, q, want) => {
    const got = quantile(xs, q);
    if (Number.isNaN(want)) expect(got).toBeNaN();
    else expect(got).toBeCloseTo(want, 12);
  });

  it('does not reorder its input', () => {
    const xs = [3, 1, 2];
    median(xs);
    expect(xs).toEqual([3, 1, 2]);
  });

  const finite = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 });

  it('min ≤ q1 ≤ median ≤ q3 ≤ max, all between the smallest and largest value', () => {
    fc.assert(fc.property(finite, (xs) => {
      const s = spread(xs);
      // == rather than toBe: -0 and 0 are the same ratio
      expect(s.min === Math.min(...xs)).toBe(true);
      expect(s.max === Math.max(...xs)).toBe(true);
      expect(s.q1).toBeGreaterThanOrEqual(s.min);
      expect(s.median).toBeGreaterThanOrEqual(s.q1);
      expect(s.q3).toBeGreaterThanOrEqual(s.median);
      expect(s.max).toBeGreaterThanOrEqual(s.q3);
      expect(s.n).toBe(xs.length);
    }));
  });

  it('the median does not depend on order, and at most half the values lie on either side of it', () => {
    fc.assert(fc.property(finite, fc.integer({ min: 0, max: 1000 }), (xs, seed) => {
      const shuffled = [...xs].sort((a, b) => ((a * 31 + seed) % 7) - ((b * 31 + seed) % 7));
      const m = median(xs);
      expect(median(shuffled) === m).toBe(true);
      expect(xs.filter((x) => x < m).length).toBeLessThanOrEqual(xs.length / 2);
      expect(xs.filter((x) => x > m).length).toBeLessThanOrEqual(xs.length / 2);
    }));
  });

  it('scales with its values (a ratio of µs is unit-free), and one wild round moves the median at most one rank', () => {
    const two = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 60 });
    fc.assert(fc.property(two, fc.double({ min: 0.001, max: 1000, noNaN: true }), (xs, k) => {
      const scaled = median(xs.map((x) => x * k));
      expect(Math.abs(scaled - median(xs) * k)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(scaled)));
      const sorted = [...xs].sort((a, b) => a - b);
      const wild = median([...xs, 1e12]);
      const upper = sorted[Math.ceil(xs.length / 2)] ?? sorted[sorted.length - 1]!;
      expect(wild).toBeLessThanOrEqual(upper);
      expect(wild).toBeGreaterThanOrEqual(median(xs));
    }));
  });
});

describe('percent', () => {
  it.each([
    [1.15, '+15.0 %'], [1, '+0.0 %'], [0.98, '−2.0 %'], [0.99999, '+0.0 %'], [2.5, '+150.0 %'], [NaN, '—'], [Infinity, '—'],
  ])('%d → %s', (r, text) => {
    expect(percent(r)).toBe(text);
  });
});

describe('pairedSchedule', () => {
  it.each([
    [1, 1, [[0, 0, 'a']]],
    [2, 1, [[0, 0, 'a'], [1, 0, 'b']]],
    [2, 3, [[0, 0, 'a'], [0, 1, 'b'], [0, 2, 'a'], [1, 1, 'a'], [1, 2, 'b'], [1, 0, 'b']]],
    [0, 3, []],
    [3, 0, []],
  ])('%d rounds of %d pairs', (rounds, pairs, want) => {
    expect(pairedSchedule(rounds, pairs).map((r) => [r.round, r.pair, r.first])).toEqual(want);
  });

  it.each([
    [-1, 2], [2, -1], [1.5, 2], [2, NaN], [Infinity, 1],
  ])('refuses %d rounds of %d pairs', (rounds, pairs) => {
    expect(() => pairedSchedule(rounds, pairs)).toThrow(RangeError);
  });

  it('every pair once a round; each pair alternates its first side; no pair keeps its place in the round', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 6 }), (rounds, pairs) => {
      const runs = pairedSchedule(rounds, pairs);
      expect(runs).toHaveLength(rounds * pairs);
      for (let r = 0; r < rounds; r++) {
        const inRound = runs.filter((x) => x.round === r);
        expect(new Set(inRound.map((x) => x.pair)).size).toBe(pairs);
      }
      for (let p = 0; p < pairs; p++) {
        const mine = runs.filter((x) => x.pair === p);
        for (let i = 1; i < mine.length; i++) expect(mine[i]!.first).not.toBe(mine[i - 1]!.first);
        const aFirst = mine.filter((x) => x.first === 'a').length;
        expect(Math.abs(2 * aFirst - mine.length)).toBeLessThanOrEqual(1);
        if (pairs > 1 && rounds > 1) {
          const places = new Set(mine.map((x) => runs.indexOf(x) - x.round * pairs));
          expect(places.size).toBeGreaterThan(1);
        }
      }
    }));
  });
});
