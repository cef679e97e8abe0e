// The soak plot is written by hand: check its scaling and that labels cannot break the markup.
import { describe, expect, it } from 'vitest';
import { linePath, niceMax, plotSvg } from '../../bench/soak/svg-plot.ts';

describe('svg plot', () => {
  it.each([
    [0, 1],
    [-3, 1],
    [NaN, 1],
    [0.7, 1],
    [1, 1],
    [1.2, 2],
    [3, 5],
    [7, 10],
    [4999, 5000],
    [5001, 10000],
    [152.4, 200],
  ])('niceMax(%d) = %d', (v, want) => {
    expect(niceMax(v)).toBe(want);
  });

  it('draws a line, breaking it at gaps', () => {
    const id = (n: number): number => n;
    expect(linePath([[0, 1], [1, 2], [2, NaN], [3, 4]], id, id)).toBe('M0.0,1.0L1.0,2.0M3.0,4.0');
    expect(linePath([], id, id)).toBe('');
  });

  it('one panel per series, values scaled inside the plot area', () => {
    const svg = plotSvg('soak', [
      { title: 'throughput', unit: 'req/s', points: [[1, 5000], [2, 4900]] },
      { title: 'RSS', unit: 'MB', points: [[1, 100], [2, 101]] },
    ]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    for (const m of svg.matchAll(/d="([^"]*)"/g)) {
      for (const [, x, y] of m[1].matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)) {
        expect(Number(x)).toBeGreaterThanOrEqual(0);
        expect(Number(x)).toBeLessThanOrEqual(900);
        expect(Number(y)).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it.each(['<script>x</script>', 'a & b', '"quoted"', "it's > 5"])('escapes %j in titles', (title) => {
    const svg = plotSvg(title, [{ title, unit: '<u>', points: [[1, 1]] }]);
    expect(svg).not.toContain(title.includes('<') || title.includes('&') || title.includes('"') || title.includes('>') ? title : '\u0000');
    expect(svg).not.toContain('<u>');
  });
});
