// round-robin through the balancer conformance suite; its interleaving is in ../01-balancers.test.ts.
import { byWeight, runBalancerSuite } from '../balancer.case.ts'

runBalancerSuite('round-robin', { balancer: { algorithm: 'round-robin' }, share: byWeight, tolerance: 0.01, hashed: false, learns: false })
