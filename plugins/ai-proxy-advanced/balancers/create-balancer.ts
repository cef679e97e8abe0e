// The algorithm named in balancer.algorithm, built once per config load. Semantic routing narrows
// the candidates to the targets whose description matched (semantic/); among those, round-robin.
import type { AdvancedConf } from '../schema.ts'
import type { Balancer, BalancerTarget } from './types.ts'
import { RoundRobin } from './round-robin.ts'
import { ConsistentHashing } from './consistent-hashing.ts'
import { LowestLatency } from './lowest-latency.ts'
import { LowestUsage } from './lowest-usage.ts'
import { LeastConnections } from './least-connections.ts'
import { Priority } from './priority.ts'

export function createBalancer(b: AdvancedConf['balancer'], targets: readonly BalancerTarget[], now: () => number = Date.now): Balancer {
  switch (b.algorithm) {
    case 'consistent-hashing': return new ConsistentHashing(targets, b.slots)
    case 'lowest-latency': return new LowestLatency(targets, b.latency_strategy, now)
    case 'lowest-usage': return new LowestUsage(targets, b.tokens_count_strategy, now)
    case 'least-connections': return new LeastConnections(targets)
    case 'priority': return new Priority(targets)
    case 'round-robin':
    case 'semantic':
      return new RoundRobin(targets)
  }
}
