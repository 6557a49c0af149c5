import type { SeatMapFrame } from '@storefleet/shared';
import type { ShowNow, WatchedShow } from './seat-map-repository.js';

/** A seat's state in the map, and its character in a snapshot. */
const FREE = 0;
const HELD = 1;
const SOLD = 2;
const NOT_FOR_SALE = 3;
/** '.', 'h', 's', 'x' as bytes, indexed by state. */
const CHAR_CODES = [0x2e, 0x68, 0x73, 0x78] as const;

/** The seats that moved between two reads, by their new state, and what is left free after them. */
export interface SeatChanges {
  readonly free: number[];
  readonly held: number[];
  readonly sold: number[];
  readonly left: number;
}

/**
 * One show's map as this process last read it: one byte per seat (a 50,000-seat map is 50 KB), the places left, and
 * the show's frame counter (`version`: the snapshot carries the current one, each changes frame the next).
 */
export class SeatMap {
  readonly #seats: Uint8Array;
  #left = 0;
  #version = 0;
  #snapshot: string | undefined;

  constructor(
    readonly show: WatchedShow,
    first: ShowNow,
  ) {
    this.#seats = new Uint8Array(show.seatCount);
    for (const g of show.gaps) if (g < show.seatCount) this.#seats[g] = NOT_FOR_SALE;
    this.apply(first);
  }

  get version(): number {
    return this.#version;
  }

  get left(): number {
    return this.#left;
  }

  /**
   * Takes the show's state now; returns the seats that moved since the last read (and the new count left), or
   * undefined when nothing did. A changes frame goes out for each answer, so the version moves with it.
   */
  apply(now: ShowNow): SeatChanges | undefined {
    const next = new Uint8Array(this.#seats.length);
    for (let i = 0; i < next.length; i++) if (this.#seats[i] === NOT_FOR_SALE) next[i] = NOT_FOR_SALE;
    for (const n of now.held) if (n < next.length && next[n] !== NOT_FOR_SALE) next[n] = HELD;
    for (const n of now.sold) if (n < next.length && next[n] !== NOT_FOR_SALE) next[n] = SOLD;
    const changes: SeatChanges = { free: [], held: [], sold: [], left: 0 };
    let free = 0;
    for (let i = 0; i < next.length; i++) {
      const s = next[i]!;
      if (s === FREE) free++;
      if (s === this.#seats[i]) continue;
      (s === FREE ? changes.free : s === HELD ? changes.held : changes.sold).push(i);
    }
    const left = this.show.kind === 'CAPACITY' ? now.placesLeft : free;
    const moved = changes.free.length + changes.held.length + changes.sold.length > 0 || left !== this.#left;
    this.#seats.set(next);
    this.#left = left;
    if (!moved) return undefined;
    this.#snapshot = undefined;
    return { ...changes, left };
  }

  /** Marks a frame sent: the next version. */
  bump(): number {
    this.#version += 1;
    return this.#version;
  }

  /** The snapshot frame as sent, built once per version however many viewers join at it. */
  snapshotText(): string {
    if (this.#snapshot !== undefined) return this.#snapshot;
    const chars = Buffer.allocUnsafe(this.#seats.length);
    for (let i = 0; i < chars.length; i++) chars[i] = CHAR_CODES[this.#seats[i] as 0 | 1 | 2 | 3];
    this.#snapshot = JSON.stringify({
      type: 'snapshot',
      showId: this.show.id,
      version: this.#version,
      seats: chars.toString('latin1'),
      free: this.#left,
    } satisfies SeatMapFrame);
    return this.#snapshot;
  }
}

/** A changes frame as sent: serialised once for every viewer of the show. */
export function changesText(showId: string, version: number, c: SeatChanges): string {
  return JSON.stringify({
    type: 'changes',
    showId,
    version,
    free: c.free,
    held: c.held,
    sold: c.sold,
    left: c.left,
  } satisfies SeatMapFrame);
}

/** The last frame a viewer gets: the show was cancelled or has started (sales end then). */
export function closedText(showId: string, reason: string): string {
  return JSON.stringify({ type: 'closed', showId, reason } satisfies SeatMapFrame);
}
