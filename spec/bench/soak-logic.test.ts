// Pure parts of the bench's soak mode: open-loop pacing, percentiles, the summary against the targets.
import { describe, expect, it } from 'vitest';
import { dueAtMs, dueNow, percentile } from '../../bench/soak/rate-schedule.ts';
import { summarizeSoak, warmupSeconds, type SoakSecond } from '../../bench/soak/soak-summary.ts';

describe('rate schedule', () => {
  it.each([
    // elapsed ms, rate, already sent, due now
    [0, 5000, 0, 1],
    [0, 5000, 1, 0],
    [1, 5000, 1, 5],
    [10, 5000, 6, 45],
    [1000, 5000, 0, 5001],
    [999, 1, 1, 0],
    [1000, 1, 1, 1],
    [5, 1000, 100, 0], // ahead of schedule: nothing, never negative
  ])('at %d ms and %d req/s with %d sent, %d are due', (elapsed, rate, sent, due) => {
    expect(dueNow(elapsed, rate, sent)).toBe(due);
  });

  it('sends exactly rate × seconds (+ the one at t=0) over a second, whatever the tick spacing', () => {
    for (const step of [1, 3, 7, 250]) {
      let sent = 0;
      for (let t = 0; t <= 1000; t += step) sent += dueNow(t, 2000, sent);
      sent += dueNow(1000, 2000, sent);
      expect(sent).toBe(2001);
    }
  });

  it('dates request i at i / rate', () => {
    expect(dueAtMs(0, 5000)).toBe(0);
    expect(dueAtMs(5000, 5000)).toBe(1000);
    expect(dueAtMs(3, 2000)).toBe(1.5);
  });
});

describe('percentile (nearest rank)', () => {
  it.each([
    [[], 99, NaN],
    [[7], 50, 7],
    [[7], 99, 7],
    [[3, 1, 2, 4], 50, 2],
    [[3, 1, 2, 4], 99, 4],
    [Array.from({ length: 100 }, (_, i) => 100 - i), 99, 99],
    [Array.from({ length: 1000 }, (_, i) => i + 1), 99, 990],
  ])('%j p%d = %d', (values, p, want) => {
    expect(percentile([...values], p)).toBe(want);
  });
});

function seconds(n: number, f: (t: number) => Partial<SoakSecond>): SoakSecond[] {
  return Array.from({ length: n }, (_, i) => ({ t: i + 1, sent: 100, done: 100, errors: 0, p50Us: 500, p99Us: 2000, rssMb: 100, heapMb: 20, ...f(i + 1) }));
}

describe('soak summary', () => {
  it('warm-up is a tenth of the run, at most a minute', () => {
    expect(warmupSeconds(60)).toBe(6);
    expect(warmupSeconds(600)).toBe(60);
    expect(warmupSeconds(3600)).toBe(60);
  });

  it('compares the first minute after warm-up with the last minute', () => {
    // 10 min: warm-up 60 s at 200 MB (ignored), then RSS 100 MB rising to 104 MB in the last minute
    const s = summarizeSoak(seconds(600, (t) => ({ rssMb: t <= 60 ? 200 : t > 540 ? 104 : 100 })), 100, 60);
    expect(s.windowS).toBe(60);
    expect(s.rssFirstMb).toBe(100);
    expect(s.rssLastMb).toBe(104);
    expect(s.rssGrowthPct).toBeCloseTo(4);
    expect(s.pass).toBe(true);
  });

  it.each([
    ['5 % growth', { rssMb: 105 }, 0, false],
    ['one error', {}, 1, false],
    ['flat and clean', {}, 0, true],
  ])('%s → pass %s', (_name, last, errors, pass) => {
    // 120 s, warm-up 12 s: windows of 54 s, the last one is t 67..120
    const s = summarizeSoak(seconds(120, (t) => ({ ...(t > 66 ? last : {}), errors: t === 50 ? errors : 0 })), 100, 12);
    expect(s.pass).toBe(pass);
    expect(s.errors).toBe(errors);
  });

  it('short runs compare halves of what is left after warm-up', () => {
    const s = summarizeSoak(seconds(60, (t) => ({ rssMb: t > 33 ? 110 : 100 })), 100, 6);
    expect(s.windowS).toBe(27);
    expect(s.rssGrowthPct).toBeCloseTo(10);
  });

  it.each([
    [100, true],
    [98, true],
    [97, false],
    [110, false],
  ])('median %d req/s against 100 → rate held %s', (done, held) => {
    expect(summarizeSoak(seconds(30, () => ({ done })), 100, 3).rateHeld).toBe(held);
  });

  it('keeps the first error message, ignores a heap that did not answer', () => {
    const s = summarizeSoak(seconds(30, (t) => ({ heapMb: t % 2 ? NaN : 30, ...(t === 20 ? { errors: 2, firstError: 'status 502' } : {}) })), 100, 3);
    expect(s.firstError).toBe('status 502');
    expect(s.heapFirstMb).toBe(30);
  });
});
