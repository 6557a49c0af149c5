/**
 * Hybrid logical clock (Kulkarni et al., 2014). A timestamp is (wallMs, counter, node).
 *
 * Invariants:
 * - `tick` and `receive` always return a timestamp strictly greater than the clock's previous one (monotonic),
 *   whatever the physical clock does (it may jump back or forward).
 * - `receive(local, remote)` is greater than `remote`: an event caused by a message orders after the message.
 * - Timestamps compare by wallMs, then counter, then node, so any two distinct clocks give a total order.
 * The physical time is an argument, never read here: callers pass `Date.now()` or a test clock.
 */
export interface Hlc {
  readonly wallMs: number;
  readonly counter: number;
  readonly node: string;
}

export const HLC_MAX_COUNTER = 0xffff;

export function hlcZero(node: string): Hlc {
  return { wallMs: 0, counter: 0, node };
}

/** The timestamp for a local event or a message about to be sent. */
export function hlcTick(prev: Hlc, physicalMs: number): Hlc {
  if (physicalMs > prev.wallMs) return { wallMs: physicalMs, counter: 0, node: prev.node };
  return bump(prev.wallMs, prev.counter + 1, prev.node);
}

/** The local clock after receiving `remote`; the result is also the timestamp of the receive event. */
export function hlcReceive(local: Hlc, remote: Hlc, physicalMs: number): Hlc {
  const wallMs = Math.max(local.wallMs, remote.wallMs, physicalMs);
  let counter: number;
  if (wallMs === local.wallMs && wallMs === remote.wallMs) counter = Math.max(local.counter, remote.counter) + 1;
  else if (wallMs === local.wallMs) counter = local.counter + 1;
  else if (wallMs === remote.wallMs) counter = remote.counter + 1;
  else counter = 0;
  return bump(wallMs, counter, local.node);
}

function bump(wallMs: number, counter: number, node: string): Hlc {
  // A counter overflow borrows a millisecond rather than wrapping, which would break monotonicity.
  if (counter > HLC_MAX_COUNTER) return { wallMs: wallMs + 1, counter: 0, node };
  return { wallMs, counter, node };
}

export function hlcCompare(a: Hlc, b: Hlc): number {
  if (a.wallMs !== b.wallMs) return a.wallMs < b.wallMs ? -1 : 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  if (a.node === b.node) return 0;
  return a.node < b.node ? -1 : 1;
}

/** A fixed-width string that sorts as `hlcCompare` does: 13 hex digits of ms, 4 of counter, then the node. */
export function hlcEncode(t: Hlc): string {
  return `${t.wallMs.toString(16).padStart(13, '0')}-${t.counter.toString(16).padStart(4, '0')}-${t.node}`;
}

export function hlcDecode(s: string): Hlc {
  const m = /^([0-9a-f]{13})-([0-9a-f]{4})-(.+)$/.exec(s);
  if (!m) throw new RangeError(`not an HLC timestamp: ${s}`);
  return { wallMs: parseInt(m[1]!, 16), counter: parseInt(m[2]!, 16), node: m[3]! };
}

/** A stateful clock for one node; `now` is injected so tests can skew or freeze it. */
export class HybridClock {
  #last: Hlc;
  readonly #now: () => number;

  constructor(node: string, now: () => number = Date.now, last?: Hlc) {
    this.#last = last ?? hlcZero(node);
    this.#now = now;
  }

  tick(): Hlc {
    this.#last = hlcTick(this.#last, this.#now());
    return this.#last;
  }

  receive(remote: Hlc): Hlc {
    this.#last = hlcReceive(this.#last, remote, this.#now());
    return this.#last;
  }

  get last(): Hlc {
    return this.#last;
  }
}
