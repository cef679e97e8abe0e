// When the node's counter table has no room for a key (a flood of identifiers), a response's
// usage cannot be counted: the plugin says so in a warning (the comparison with FULL, which is
// NaN, never matched before, so the warning never came).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { pluginLog } from '../../../core/log.ts'
import { CounterTable, counterTable } from '../../../core/counter-table/counter-table.ts'
import { addUsage } from '../../../plugins/ai-rate-limiting-advanced/counters.ts'
import type { WindowPlan } from '../../../plugins/ai-rate-limiting-advanced/plan.ts'

const W = { provider: 'openai', limit: 100, seconds: 60, size: 60_000 } as WindowPlan
const NOW = Date.UTC(2026, 0, 15, 12, 30, 0)

afterEach(() => vi.restoreAllMocks())

describe('addUsage on a full table', () => {
  it.each([[1], [37], [0.25], [1e9]])('warns, and counts nothing, for an amount of %s', (amount) => {
    const warn = vi.spyOn(pluginLog('ai-rate-limiting-advanced'), 'warn').mockImplementation(() => undefined)
    vi.spyOn(CounterTable.prototype, 'add').mockReturnValue(Number.NaN)
    addUsage(`arla|full-test|openai|60|${amount}`, W, NOW, amount, null)
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0]![0])).toMatch(/counter table is full/)
  })

  it('counts without a warning when there is room', () => {
    const warn = vi.spyOn(pluginLog('ai-rate-limiting-advanced'), 'warn').mockImplementation(() => undefined)
    const key = 'arla|room-test|openai|60|127.0.0.1'
    addUsage(key, W, NOW, 5, null)
    addUsage(key, W, NOW + 1, 7, null)
    expect(warn).not.toHaveBeenCalled()
    expect(counterTable().read(key, NOW - (NOW % W.size), W.size)).toBe(12)
  })
})
