// priority through the balancer conformance suite: the highest-weight group takes every pick,
// shared evenly inside it; its fall-through order is in ../01-balancers.test.ts.
import { runBalancerSuite } from '../balancer.case.ts'

const highestGroup = (w: readonly number[]): number[] => {
  const top = Math.max(...w)
  const size = w.filter((x) => x === top).length
  return w.map((x) => (x === top ? 1 / size : 0))
}

runBalancerSuite('priority', { balancer: { algorithm: 'priority' }, share: highestGroup, tolerance: 0.01, hashed: false, learns: false })
