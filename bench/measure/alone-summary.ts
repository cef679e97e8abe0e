/** The alone measure's windows summed up per series: neighbour ratios (ns clock and ticks), medians, errors. */
import { neighbourRatios } from './neighbour-ratios.ts';
import { median, spread } from './paired-stats.ts';
import type { AloneRow, AloneWindow } from './types.ts';

const errorsOf = (w: AloneWindow): number => w.non2xx + w.socketErrors;

export function summarizeAlone(windows: readonly AloneWindow[], labels: { b: string; a2: string }): AloneRow[] {
  const a = windows.filter((w) => w.kind === 'a');
  return (['a2', 'b'] as const).map((kind): AloneRow => {
    const mine = windows.filter((w) => w.kind === kind);
    return {
      label: labels[kind],
      kind,
      ratio: spread(neighbourRatios(windows.map((w) => ({ kind: w.kind, us: w.cpuUs })), kind)),
      ratioTicksMedian: median(neighbourRatios(windows.map((w) => ({ kind: w.kind, us: w.cpuUsTicks })), kind)),
      us: median(mine.map((w) => w.cpuUs)),
      aUs: median(a.map((w) => w.cpuUs)),
      errors: [...mine, ...a].reduce((n, w) => n + errorsOf(w), 0),
      foreignCpuPctMedian: median(mine.map((w) => w.foreignCpuPct)),
      applyMsMedian: median(mine.map((w) => w.applyMs)),
    };
  });
}
