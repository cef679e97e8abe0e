// least-connections through the balancer conformance suite: requests held in flight spread by
// capacity (weight).
import { byWeight, runBalancerSuite } from '../balancer.case.ts'

runBalancerSuite('least-connections', { balancer: { algorithm: 'least-connections' }, share: byWeight, tolerance: 0.01, hashed: false, learns: false })
