// Shared state inside one process: members of a namespace get each other's events synchronously.
// Balancers do not use it by default (their state is per worker); it is the reference
// implementation the Redis one is tested against, and lets two balancers in one test share.
import type { SharedState, StateChannel, StateEvent } from './types.ts'

type Member = (e: StateEvent) => void

export class MemoryState implements SharedState {
  private readonly spaces = new Map<string, Set<Member>>()

  join(ns: string, on: Member): StateChannel {
    let members = this.spaces.get(ns)
    if (!members) this.spaces.set(ns, (members = new Set()))
    const self: Member = (e) => on(e)
    members.add(self)
    return {
      ready: Promise.resolve(),
      publish: (e) => { for (const m of members) if (m !== self) m(e) },
      leave: () => {
        members.delete(self)
        if (members.size === 0) this.spaces.delete(ns)
      },
    }
  }
}
