// Numbers for GET /status, in Kong's shape (server counters, memory).
import { COUNTER, read } from '../server/counters.ts'

export interface AdminStats {
  server: { total_requests: number; connections_active: number; connections_accepted: number; connections_handled: number; connections_reading: number; connections_writing: number; connections_waiting: number }
  memory: { workers_lua_vms: { pid: number; http_allocated_gc: string }[]; lua_shared_dicts: Record<string, never>; process: { rss: number; heap_used: number } }
}

export function adminStats(): AdminStats {
  const mem = process.memoryUsage()
  const active = read(COUNTER.activeRequests)
  const total = read(COUNTER.totalRequests)
  return {
    server: { total_requests: total, connections_active: active, connections_accepted: total, connections_handled: total, connections_reading: 0, connections_writing: active, connections_waiting: 0 },
    memory: {
      workers_lua_vms: [{ pid: process.pid, http_allocated_gc: `${(mem.heapUsed / 1024 / 1024).toFixed(2)} MiB` }],
      lua_shared_dicts: {},
      process: { rss: mem.rss, heap_used: mem.heapUsed },
    },
  }
}
