// Per-target health (Kong 3.13 max_fails / fail_timeout), with nginx's upstream semantics, which
// Kong's balancer follows: failures add up; once a target has `max_fails` of them it is left out
// until `fail_timeout` ms have passed since it was last checked; then one request may try it
// (half-open: picking it marks it checked, so others keep away for another fail_timeout). A
// success after that check closes the circuit and clears the count; a failure keeps it open.
// max_fails 0 turns the breaker off. Times are Date.now() so that nodes can share them.
export class CircuitBreaker {
  private readonly fails: Uint32Array
  /** when the last failure happened */
  private readonly accessed: Float64Array
  /** when the target was last failed or probed */
  private readonly checked: Float64Array

  constructor(n: number, private readonly maxFails: number, private readonly failTimeout: number) {
    this.fails = new Uint32Array(n)
    this.accessed = new Float64Array(n)
    this.checked = new Float64Array(n)
  }

  get enabled(): boolean { return this.maxFails > 0 }

  /** may target i be picked now (closed, or half-open and not being probed) */
  available(i: number, now: number): boolean {
    return this.maxFails === 0 || this.fails[i]! < this.maxFails || now - this.checked[i]! > this.failTimeout
  }

  /** target i was picked: a half-open one is now being probed */
  picked(i: number, now: number): void {
    if (this.maxFails > 0 && now - this.checked[i]! > this.failTimeout) this.checked[i] = now
  }

  failure(i: number, at: number): void {
    if (this.maxFails === 0) return
    this.fails[i]!++
    this.accessed[i] = at
    this.checked[i] = at
  }

  /** a good answer from target i; true when it cleared the count (the circuit closed) */
  success(i: number): boolean {
    if (this.maxFails === 0 || this.fails[i] === 0 || this.accessed[i]! >= this.checked[i]!) return false
    this.fails[i] = 0
    return true
  }

  /** another node closed target i's circuit */
  reset(i: number): void { this.fails[i] = 0 }

  state(i: number, now: number): 'closed' | 'open' | 'half-open' {
    if (this.maxFails === 0 || this.fails[i]! < this.maxFails) return 'closed'
    return now - this.checked[i]! > this.failTimeout ? 'half-open' : 'open'
  }
}
