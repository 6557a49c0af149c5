import { ConflictError, UnprocessableError } from '@storefleet/shared';
import { type NewHold, seatLabel } from './repository.js';
import { parseSeatLabel } from './seat-layout.js';
import type { Seat, Show } from './types.js';

/** A list as a sentence says it: `A-1, A-2 and A-3`. */
export const list = (xs: readonly string[]) =>
  xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;

/** One SEATED hold waiting for its group commit: the hold as decided, its show, and the venue's seats (to name them). */
export interface SeatAsk {
  readonly hold: NewHold;
  readonly show: Show;
  readonly seats: readonly Seat[];
}

/** Two asks that must not share a batch: the same show and a seat in common, or the same customer at the show. */
export function clash(a: SeatAsk, b: SeatAsk): boolean {
  if (a.hold.showId !== b.hold.showId) return false;
  if (a.hold.customerId === b.hold.customerId) return true;
  const x = a.hold.seatNos;
  const y = b.hold.seatNos;
  // both sorted ascending (#named and bestBlock sort them): one merge pass
  for (let i = 0, j = 0; i < x.length && j < y.length; ) {
    if (x[i] === y[j]) return true;
    if (x[i]! < y[j]!) i++;
    else j++;
  }
  return false;
}

/** A show that is not on sale, or has started, holds nothing (a 409 saying why). */
export function assertOpen(show: Show, now: number): void {
  if (show.status === 'CANCELLED') throw new ConflictError(`${show.title} was cancelled: nothing can be held`);
  if (show.status !== 'ON_SALE') throw new ConflictError(`${show.title} is not on sale`);
  if (show.startsAt <= now) throw new ConflictError(`${show.title} has started: its seats are no longer held`);
}

/** The seats named by label, checked: known, each once, wheelchair spaces only for an accessible hold. */
export function named(seats: readonly Seat[], labels: readonly string[], accessible: boolean): Seat[] {
  const dup = labels.filter((l, i) => labels.indexOf(l) !== i);
  if (dup.length) throw new UnprocessableError(`seat ${list([...new Set(dup)])} is named twice`);
  const byLabel = new Map<string, Seat>();
  for (const l of labels) {
    const p = parseSeatLabel(l);
    if (!p) continue;
    const s = findSeat(seats, p.section, p.row, p.number);
    if (s) byLabel.set(l, s);
  }
  const unknown = labels.filter((l) => !byLabel.has(l));
  if (unknown.length) throw new UnprocessableError(`there is no seat ${list(unknown)} at this venue`, { unknown });
  const picked = labels.map((l) => byLabel.get(l) as Seat);
  const wheelchair = picked.filter((s) => s.kind === 'WHEELCHAIR');
  if (wheelchair.length && !accessible)
    throw new UnprocessableError(
      `${list(wheelchair.map((s) => s.label))} ${wheelchair.length === 1 ? 'is a wheelchair space' : 'are wheelchair spaces'}: held only with accessible: true`,
    );
  const companion = picked.filter((s) => s.kind === 'COMPANION');
  if (companion.length && !wheelchair.length)
    throw new UnprocessableError(
      `${list(companion.map((s) => s.label))} ${companion.length === 1 ? 'is a companion seat' : 'are companion seats'}: held only with a wheelchair space in the same hold`,
    );
  return picked.sort((a, b) => a.seatNo - b.seatNo);
}

/** Another hold has some of the seats (a 409 naming them). */
export class SeatsTaken extends ConflictError {
  constructor(
    readonly seatNos: readonly number[],
    message: string,
    readonly labels: readonly string[],
  ) {
    super(message, { taken: labels });
  }
}

/** The customer already has a live hold at the show. */
export class OneLive extends ConflictError {
  constructor(readonly show: Show) {
    super('this customer already holds seats for this show; confirm or release them first');
  }
}

/** A hold refused for seats someone else has, named from the venue's seats in memory. */
export function seatsTaken(a: SeatAsk, taken: readonly number[]): SeatsTaken {
  const labels = labelsOf(a.seats, taken);
  return new SeatsTaken(
    taken,
    `${labels.length === 1 ? 'seat' : 'seats'} ${list(labels)} ${labels.length === 1 ? 'is' : 'are'} taken for ${a.show.title}`,
    labels,
  );
}

export function labelsOf(seats: readonly Seat[], seatNos: readonly number[]): string[] {
  return [...seatNos].sort((a, b) => a - b).map((n) => seats[n]?.label ?? String(n));
}

export function findSeat(seats: readonly Seat[], section: string, row: string, number: number): Seat | undefined {
  // by label, from an index built once per venue's seat list (kept with the list)
  return seatIndex(seats).get(seatLabel(section, row, number));
}
const indexes = new WeakMap<readonly Seat[], Map<string, Seat>>();
function seatIndex(seats: readonly Seat[]): Map<string, Seat> {
  let m = indexes.get(seats);
  if (!m) {
    m = new Map(seats.map((s) => [s.label, s]));
    indexes.set(seats, m);
  }
  return m;
}

/**
 * The best `count` adjacent free standard seats (same section and row, consecutive numbers): the front-most row
 * first (map order within each section), then the block nearest the row's middle.
 */
export function bestBlock(
  seats: readonly Seat[],
  taken: ReadonlySet<number>,
  count: number,
  section?: string,
): Seat[] | undefined {
  let best: { score: [number, number, number]; block: Seat[] } | undefined;
  let rowRank = -1;
  let i = 0;
  let lastSection = '';
  while (i < seats.length) {
    const first = seats[i] as Seat;
    let j = i;
    while (j < seats.length && seats[j]!.section === first.section && seats[j]!.row === first.row) j++;
    if (first.section !== lastSection) {
      rowRank = -1;
      lastSection = first.section;
    }
    rowRank++;
    if (!section || first.section === section) {
      const row = seats.slice(i, j);
      const mid = (row.length - 1) / 2;
      for (let k = 0; k + count <= row.length; k++) {
        let ok = true;
        for (let m = k; m < k + count; m++) {
          const s = row[m] as Seat;
          const prev = m > k ? (row[m - 1] as Seat) : undefined;
          if (taken.has(s.seatNo) || s.kind !== 'STANDARD' || (prev && s.number !== prev.number + 1)) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
        const score: [number, number, number] = [rowRank, Math.abs(k + (count - 1) / 2 - mid), row[k]!.seatNo];
        if (
          !best ||
          score[0] < best.score[0] ||
          (score[0] === best.score[0] &&
            (score[1] < best.score[1] || (score[1] === best.score[1] && score[2] < best.score[2])))
        )
          best = { score, block: row.slice(k, k + count) };
      }
    }
    i = j;
  }
  return best?.block;
}

/** Calls run one at a time per key, in the order they came (other keys' run alongside). */
export class OneAtATime {
  readonly #queues = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#queues.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.then(
      () => {},
      () => {},
    );
    this.#queues.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.#queues.get(key) === tail) this.#queues.delete(key);
    }
  }
}
