/**
 * The alone measure's ratio: a window's CPU per request ÷ the mean of its two neighbouring a windows'. With the
 * windows equally spaced in time, a drift that moves CPU per request linearly over three windows moves the mean of
 * the outer two exactly as much as the middle one, so it cancels; what is left is the middle config's own factor.
 */
import type { AloneKind } from './alone-schedule.ts';
import { roundRatio } from './paired-stats.ts';

/**
 * One ratio per window of `kind`, in order: NaN when a neighbour is missing, is not an a window, or has no finite
 * figure (a window with no requests, or with errors), so a broken window spoils only the ratios it takes part in.
 */
export function neighbourRatios(windows: readonly { kind: AloneKind; us: number }[], kind: Exclude<AloneKind, 'a'>): number[] {
  const out: number[] = [];
  for (let i = 0; i < windows.length; i++) {
    if (windows[i]!.kind !== kind) continue;
    const [prev, next] = [windows[i - 1], windows[i + 1]];
    out.push(prev?.kind === 'a' && next?.kind === 'a' ? roundRatio((prev.us + next.us) / 2, windows[i]!.us) : NaN);
  }
  return out;
}
