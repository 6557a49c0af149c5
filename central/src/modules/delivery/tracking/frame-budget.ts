/**
 * A token bucket per driver (carrier): `burst` frames at once, refilled at `perSecond`. Shared by every socket of
 * the carrier in this hub process, so opening more sockets buys no more frames. Time comes in as an argument.
 *
 * The budget is per hub process, not counted across replicas: a carrier with sockets on N hubs gets N budgets. That is
 * bounded by the sockets a carrier may hold (MAX_SOCKETS_PER_CARRIER per hub) and by the load balancer spreading one
 * driver's reconnects; a cluster-wide count would cost a database or bus round trip per frame.
 */
export class FrameBudget {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly burst: number,
    readonly perSecond: number,
  ) {}

  /** Takes one frame from `who`'s bucket; false when it is empty (the frame is to be refused). */
  take(who: string, now: number): boolean {
    const b = this.#buckets.get(who) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * this.perSecond);
    b.at = now;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.#buckets.set(who, b);
    // Full buckets hold nothing worth keeping: forget them, so the map stays as small as the busy drivers.
    if (this.#buckets.size > 10_000)
      for (const [k, v] of this.#buckets) if (v.tokens >= this.burst - 1 && k !== who) this.#buckets.delete(k);
    return ok;
  }
}
