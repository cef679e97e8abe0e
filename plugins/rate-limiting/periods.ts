// Kong's rate-limiting windows: fixed, calendar-aligned UTC periods (kong/tools/timestamp.lua),
// and the lengths Kong uses for expiry and RateLimit-Reset (a month counts as 30 days).
import type { Period } from './schema.ts'

/** seconds per period (Kong's EXPIRATION table) */
export const WINDOW_SECONDS: Readonly<Record<Period, number>> = Object.freeze({
  second: 1, minute: 60, hour: 3600, day: 86400, month: 2592000, year: 31536000,
})

/** `Minute` in X-RateLimit-Limit-Minute */
export const HEADER_NAME: Readonly<Record<Period, string>> = Object.freeze({
  second: 'Second', minute: 'Minute', hour: 'Hour', day: 'Day', month: 'Month', year: 'Year',
})

/** Start (ms) of the period containing `now` (ms). */
export function periodStart(period: Period, now: number): number {
  switch (period) {
    case 'second': return now - (now % 1000)
    case 'minute': return now - (now % 60_000)
    case 'hour': return now - (now % 3_600_000)
    case 'day': return now - (now % 86_400_000)
    case 'month': { const d = new Date(now); return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) }
    case 'year': return Date.UTC(new Date(now).getUTCFullYear(), 0, 1)
  }
}
