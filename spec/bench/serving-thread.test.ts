// c1-sched's grouping of a run's slices: linear and without spreading them into arguments.
import { describe, expect, it } from 'vitest';
import { largest, servingThread, type Slice } from '../../bench/sched/serving-thread.ts';

const slice = (tid: number, runMs = 0.01): Slice => ({ tid, pid: 1, comm: 'node', schedDelayMs: 0.001, runMs });

describe('servingThread', () => {
  it.each([
    ['none', [] as number[], undefined, 0],
    ['one thread', [5, 5, 5], 5, 3],
    ['the most frequent of several', [5, 6, 6, 7, 6, 5], 6, 3],
    ['a tie: the first seen', [7, 8, 8, 7], 7, 2],
  ])('%s', (_name, tids, tid, count) => {
    const got = servingThread(tids.map((t) => slice(t)));
    expect(got[0]?.tid).toBe(tid);
    expect(got.length).toBe(count);
  });

  // no timing here (performance lives in bench/): the old quadratic grouping ran past the test timeout at this size
  it("a run's worth of slices (300,000) is grouped by thread", () => {
    const slices: Slice[] = [];
    for (let i = 0; i < 300_000; i++) slices.push(slice(i % 10 === 0 ? 2 : 1, i / 1000));
    const main = servingThread(slices);
    expect(main.length).toBe(270_000);
    expect(main.every((s) => s.tid === 1)).toBe(true);
  });
});

describe('largest', () => {
  it.each([
    [[] as number[], -Infinity],
    [[3], 3],
    [[1, 9, 2], 9],
    [[-5, -2], -2],
  ])('%j -> %s', (xs, want) => expect(largest(xs)).toBe(want));

  it('300,000 values (Math.max(...xs) throws RangeError past ~120k)', () => {
    const xs = Array.from({ length: 300_000 }, (_, i) => (i === 123_456 ? 1e9 : i % 1000));
    expect(largest(xs)).toBe(1e9);
  });
});
