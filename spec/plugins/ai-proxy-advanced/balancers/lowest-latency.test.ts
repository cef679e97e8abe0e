// lowest-latency (both latency strategies) through the balancer conformance suite: with nothing
// measured every target scores the same, so traffic is shared evenly; answers steer it.
import { evenly, runBalancerSuite } from '../balancer.case.ts'

for (const latency_strategy of ['e2e', 'tpot']) {
  runBalancerSuite(`lowest-latency (${latency_strategy})`, { balancer: { algorithm: 'lowest-latency', latency_strategy }, share: evenly, tolerance: 0.01, hashed: false, learns: true })
}
