// consistent-hashing through the balancer conformance suite (keys are distinct per request, so
// picks spread by the ring's share of each target).
import { byWeight, runBalancerSuite } from '../balancer.case.ts'

runBalancerSuite('consistent-hashing', { balancer: { algorithm: 'consistent-hashing' }, share: byWeight, tolerance: 0.06, hashed: true, learns: false })
