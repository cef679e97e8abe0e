/**
 * A soak run as an SVG: one panel per series (throughput, p99, RSS, ...) over a shared time axis, written by hand
 * so the bench needs no plotting package. Gaps (NaN) break the line.
 */
export interface Series {
  title: string;
  unit: string;
  /** [seconds since the start, value] */
  points: [number, number][];
}

const W = 900;
const PANEL_H = 170;
const LEFT = 70;
const RIGHT = 20;
const TOP = 30;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number): string => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(3)).toString());

/** A "nice" upper bound for an axis (1, 2 or 5 × 10^k at or above `max`). */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/** The SVG path of `points` scaled into a panel; NaN values start a new segment. */
export function linePath(points: [number, number][], x: (t: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const [t, v] of points) {
    if (!Number.isFinite(v)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}

export function plotSvg(title: string, series: Series[]): string {
  const tMax = Math.max(1, ...series.flatMap((s) => s.points.map(([t]) => t)));
  const plotW = W - LEFT - RIGHT;
  const h = TOP + series.length * PANEL_H + 30;
  const x = (t: number): number => LEFT + (t / tMax) * plotW;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${h}" fill="white"/>`, `<text x="${LEFT}" y="18" font-size="14">${esc(title)}</text>`];
  series.forEach((s, i) => {
    const top = TOP + i * PANEL_H + 15;
    const ph = PANEL_H - 40;
    const yMax = niceMax(Math.max(0, ...s.points.map(([, v]) => v).filter(Number.isFinite)));
    const y = (v: number): number => top + ph - (v / yMax) * ph;
    out.push(`<text x="${LEFT}" y="${top - 4}" font-weight="bold">${esc(`${s.title} (${s.unit})`)}</text>`);
    out.push(`<rect x="${LEFT}" y="${top}" width="${plotW}" height="${ph}" fill="none" stroke="#ccc"/>`);
    for (const f of [0, 0.5, 1]) {
      out.push(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${y(f * yMax)}" y2="${y(f * yMax)}" stroke="#eee"/>`);
      out.push(`<text x="${LEFT - 5}" y="${y(f * yMax) + 4}" text-anchor="end">${fmt(f * yMax)}</text>`);
    }
    out.push(`<path d="${linePath(s.points, x, y)}" fill="none" stroke="#1f6feb" stroke-width="1.5"/>`);
    out.push(`<text x="${LEFT}" y="${top + ph + 14}">0 s</text><text x="${LEFT + plotW}" y="${top + ph + 14}" text-anchor="end">${fmt(tMax)} s</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
