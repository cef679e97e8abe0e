// Balancer state shared beyond one worker: what happened to a target (a failure, a circuit that
// closed, an answer's measures) is an event; each worker applies its own events at once and the
// others' when they arrive, so workers and nodes that run the same config balance and break
// circuits together. Reads stay local and synchronous: a pick never waits on the network.
import type { Datapoint } from '../balancers/types.ts'

export type StateEvent =
  | { readonly k: 'fail'; readonly t: number; readonly at: number }
  | { readonly k: 'close'; readonly t: number }
  | { readonly k: 'data'; readonly t: number; readonly at: number; readonly d: Datapoint }

/** One balancer's membership of a namespace. */
export interface StateChannel {
  /** settles when the other members' events can arrive (a subscription confirmed) */
  readonly ready: Promise<void>
  /** sends an event that happened here to every other member */
  publish(e: StateEvent): void
  leave(): void
}

export interface SharedState {
  /** joins namespace `ns` (one per plugin config); `on` receives the other members' events */
  join(ns: string, on: (e: StateEvent) => void): StateChannel
}
