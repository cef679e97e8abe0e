// lowest-usage through the balancer conformance suite, for each tokens_count_strategy: with
// nothing measured traffic is shared evenly; answers steer it.
import { evenly, runBalancerSuite } from '../balancer.case.ts'

for (const tokens_count_strategy of ['total-tokens', 'prompt-tokens', 'completion-tokens', 'cost']) {
  runBalancerSuite(`lowest-usage (${tokens_count_strategy})`, { balancer: { algorithm: 'lowest-usage', tokens_count_strategy }, share: evenly, tolerance: 0.01, hashed: false, learns: true })
}
