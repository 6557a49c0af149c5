import { createHub, type Db, type Hub } from '@storefleet/central';
import { AppError, uuidv7 } from '@storefleet/shared';
import { seededRandom } from '../../../central/src/modules/delivery/carriers/seeded-random.js';
import { bookingParts } from '../../../central/src/modules/booking/index.js';
import type { BookingService } from '../../../central/src/modules/booking/service.js';
import type { Caller, Venue } from '../../../central/src/modules/booking/types.js';
import { against, round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { percentile } from '../support/memory-store.js';
import { modulesKeepingContext } from '../support/module-context.js';

/** PGlite runs one statement at a time: two customers in flight there (the pool is one connection anyway). */
const ON_PGLITE = benchTargets[0]?.name === 'pglite';
/** Customers per show (the 10,000); BENCH_BOOKING_CUSTOMERS makes a CI-size run. */
const CUSTOMERS = Number(process.env.BENCH_BOOKING_CUSTOMERS ?? 10_000);
/**
 * Customers in flight at once, for every way; the hub's pool has one connection per customer plus the map reader. 32
 * on Postgres (pool 33): a default Postgres allows 100 connections, which the hub's pool shares with anything else on
 * that server (a test run, psql, another hub) — 64 in flight (pool 65) twice failed with 53300 'too many clients'.
 */
const IN_FLIGHT = Number(process.env.BENCH_BOOKING_IN_FLIGHT ?? (ON_PGLITE ? 2 : 32));
/** Customers of the warm-up sale each way runs first, not counted (the pool's connections opened, the JIT warm). */
const WARM_UP_CUSTOMERS = 1_000;
/** Shows sold per way, each round started by the next way (each on a fresh show, so every way starts empty). */
const ROUNDS = Number(process.env.BENCH_BOOKING_ROUNDS ?? 3);
/** A customer whose seats were taken reads the map afresh and tries another free block, this many tries in all. */
const TRIES = 3;
/** How old the map customers pick from may get before it is read again (the live seat map's tick: their screens). */
const MAP_TICK_MS = 100;
const SEATS_PER_ROW = 40;
/** 2,000 seats in three priced sections of rows of 40 (all STANDARD seats: no wheelchair spaces to refuse). */
const SECTIONS = [
  { code: 'STALLS', name: 'Stalls', rows: 30, priceMinor: 4_500 },
  { code: 'CIRCLE', name: 'Circle', rows: 14, priceMinor: 3_500 },
  { code: 'BALCONY', name: 'Balcony', rows: 6, priceMinor: 2_500 },
] as const;
const SEAT_COUNT = SECTIONS.reduce((n, s) => n + s.rows * SEATS_PER_ROW, 0);
const ANCHOR = 'select-for-update-per-seat';
const GOAL_RATIO = 3;
const GOAL_P95_MS = 50;
const LIVE = ['HELD', 'CONFIRMING', 'CONFIRMED'];
/** The anchor's holds last as the module's do by default (10 minutes); none ends during a run. */
const HOLD_MS = 600_000;

/** `A`…`Z`, `AA`…: a row's label within its section. */
function rowLabel(i: number): string {
  return i < 26 ? String.fromCharCode(65 + i) : rowLabel(Math.floor(i / 26) - 1) + String.fromCharCode(65 + (i % 26));
}

/** The venue's map as the bench knows it: each seat's label (what the API takes) and row, in seat-number order. */
interface SeatMap {
  readonly venue: Venue;
  readonly labels: readonly string[];
  /** Row of each seat_no (a block never crosses a row). */
  readonly rowOf: readonly number[];
  /** Price of each seat_no (its section's). */
  readonly priceOf: readonly number[];
}

/** The venue, made by the booking service as `POST /api/booking/venues` makes it; its seats read back from it. */
async function seedVenue(holds: BookingService): Promise<SeatMap> {
  const venue = await holds.createVenue({
    storeId: null,
    name: 'Bench Palladium',
    timeZone: 'Europe/London',
    currency: 'GBP',
    sections: SECTIONS.map((s) => ({
      code: s.code,
      name: s.name,
      priceMinor: s.priceMinor,
      rows: Array.from({ length: s.rows }, (_, r) => ({ label: rowLabel(r), seats: SEATS_PER_ROW })),
    })),
  });
  const seats = await holds.seats(venue.id);
  if (seats.length !== SEAT_COUNT) throw new Error(`the venue has ${seats.length} seats, not ${SEAT_COUNT}`);
  const rowKeys = new Map<string, number>();
  const price = new Map(venue.sections.map((x) => [x.code, x.priceMinor]));
  return {
    venue,
    labels: seats.map((x) => x.label),
    priceOf: seats.map((x) => price.get(x.section) ?? 0),
    rowOf: seats.map((x) => {
      const k = `${x.section}-${x.row}`;
      if (!rowKeys.has(k)) rowKeys.set(k, rowKeys.size);
      return rowKeys.get(k)!;
    }),
  };
}

/** A fresh SEATED show of the venue, on sale, a week ahead (made by the service). */
async function seedShow(holds: BookingService, venue: Venue, title: string): Promise<string> {
  const startsAt = Date.now() + 7 * 86_400_000;
  const show = await holds.createShow(
    { venueId: venue.id, title, kind: 'SEATED', startsAt, endsAt: startsAt + 3 * 3_600_000 },
    venue,
  );
  return show.id;
}

/**
 * The anchor's tables, of the module's shape on the same database: a row per show and seat that a hold's id marks
 * taken (with the seat's price, so the hold's amount needs no join), and holds like booking_holds (its checks and
 * indexes, one live hold per customer and show among them).
 */
async function createAnchorTables(db: Db): Promise<void> {
  await db.exec(`
    CREATE TABLE bench_booking_anchor_seats (
      show_id uuid NOT NULL,
      seat_no integer NOT NULL,
      price_minor integer NOT NULL,
      hold_id uuid NULL,
      PRIMARY KEY (show_id, seat_no)
    );
    CREATE TABLE bench_booking_anchor_holds (LIKE booking_holds INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);
  `);
}

async function seedAnchorSeats(db: Db, showId: string, venueId: string): Promise<void> {
  await db.query(
    `INSERT INTO bench_booking_anchor_seats (show_id, seat_no, price_minor)
     SELECT $1, s.seat_no, c.price_minor
     FROM booking_seats s JOIN booking_sections c ON c.venue_id = s.venue_id AND c.code = s.section_code
     WHERE s.venue_id = $2`,
    [showId, venueId],
  );
}

type Outcome = 'won' | 'refused';
const WAYS = ['module', 'statement', 'anchor'] as const;
type WayName = (typeof WAYS)[number];

/** One way of holding seats: what it holds with, and how a customer reads the map (the seats taken). */
interface Way {
  readonly name: WayName;
  readonly db: Db;
  hold(showId: string, customerId: string, seatNos: readonly number[]): Promise<Outcome>;
  /** The seats taken now, one byte per seat (1: taken): read as one array, as a seat map is one string. */
  taken(showId: string): Promise<Uint8Array>;
}

function takenOf(seatNos: readonly number[]): Uint8Array {
  const taken = new Uint8Array(SEAT_COUNT);
  for (const n of seatNos) taken[n] = 1;
  return taken;
}

/** A seat was taken under the customer: the anchor's refusal (its transaction rolls back). */
class SeatTaken extends Error {}

/**
 * The anchor, the plain way: in one transaction, `SELECT … FOR UPDATE` each wanted seat's row in seat order (so two
 * customers never wait on each other in a cycle), refuse unless all are free, mark each held, insert the hold, commit.
 */
function anchorWay(db: Db, now: () => number): Way {
  return {
    name: 'anchor',
    db,
    async hold(showId, customerId, seatNos) {
      try {
        await db.transaction(async (tx) => {
          let amount = 0;
          for (const seatNo of seatNos) {
            const { rows } = await tx.query<{ hold_id: string | null; price_minor: number }>(
              'SELECT hold_id, price_minor FROM bench_booking_anchor_seats WHERE show_id = $1 AND seat_no = $2 FOR UPDATE',
              [showId, seatNo],
            );
            if (!rows[0] || rows[0].hold_id !== null) throw new SeatTaken();
            amount += rows[0].price_minor;
          }
          const id = uuidv7();
          for (const seatNo of seatNos)
            await tx.query('UPDATE bench_booking_anchor_seats SET hold_id = $3 WHERE show_id = $1 AND seat_no = $2', [
              showId,
              seatNo,
              id,
            ]);
          const at = now();
          // on sale and not started, as the module's statement checks
          const inserted = await tx.query(
            `INSERT INTO bench_booking_anchor_holds (id, show_id, customer_id, status, seat_nos, places, amount_minor,
               currency, expires_at, created_at, created_by, updated_at, payment_key)
             SELECT $1, s.id, $3, 'HELD', $4::int[], $5, $6, s.currency, $7, $8, 'bench', $8, $9
             FROM booking_shows s WHERE s.id = $2 AND s.status = 'ON_SALE' AND s.starts_at > $8`,
            [id, showId, customerId, seatNos, seatNos.length, amount, at + HOLD_MS, at, `booking:${id}`],
          );
          if (inserted.rowCount !== 1) throw new Error(`show ${showId} is not on sale`);
        });
        return 'won';
      } catch (err) {
        if (err instanceof SeatTaken) return 'refused';
        throw err;
      }
    },
    async taken(showId) {
      const { rows } = await db.query<{ seats: number[] }>(
        `SELECT coalesce(array_agg(seat_no), '{}') AS seats FROM bench_booking_anchor_seats
         WHERE show_id = $1 AND hold_id IS NOT NULL`,
        [showId],
      );
      return takenOf(rows[0]?.seats ?? []);
    },
  };
}

/**
 * The module's way: the booking service's `place` — what `POST /api/booking/holds` calls after parsing and the access
 * check, so the measured work is the API's minus HTTP — with the seats named by label as a customer's screen names them.
 * A 409 (a seat taken) is a refusal; anything else stops the run.
 */
function moduleWay(hub: Hub, holds: BookingService, map: SeatMap): Way {
  const staff = uuidv7();
  const caller: Caller = {
    principal: { kind: 'user', userId: staff as never, role: 'ADMIN', storeId: null },
    key: `user:${staff}`,
  };
  return {
    name: 'module',
    db: hub.db,
    async hold(showId, customerId, seatNos) {
      try {
        const hold = await holds.place(caller, { showId, customerId, seats: seatNos.map((n) => map.labels[n]!) });
        if (hold.seatNos.join() !== seatNos.join())
          throw new Error(`asked for seats ${seatNos.join()}, the hold has ${hold.seatNos.join()}`);
        return 'won';
      } catch (err) {
        if (err instanceof AppError && err.status === 409) return 'refused';
        throw err;
      }
    },
    async taken(showId) {
      const { rows } = await hub.db.query<{ seats: number[] }>(
        `SELECT coalesce(array_agg(seat_no), '{}') AS seats FROM booking_seat_claims WHERE show_id = $1`,
        [showId],
      );
      return takenOf(rows[0]?.seats ?? []);
    },
  };
}

/**
 * One hold per statement (BookingRepository.insertSeatHold: the hold and its seat claims in one statement, a unique
 * key per show and seat, one commit per hold — the module's hold path before its group commit) without the service
 * around it: what a statement and a commit per hold cost by themselves. A unique-key violation is a refusal.
 */
function statementWay(hub: Hub, holds: BookingService, map: SeatMap): Way {
  return {
    name: 'statement',
    db: hub.db,
    async hold(showId, customerId, seatNos) {
      const now = Date.now();
      try {
        const hold = await holds.repo.insertSeatHold({
          id: uuidv7(now),
          showId,
          customerId,
          origin: 'DIRECT',
          seatNos,
          places: seatNos.length,
          amountMinor: seatNos.reduce((a, n) => a + map.priceOf[n]!, 0),
          currency: map.venue.currency,
          expiresAt: now + HOLD_MS,
          createdBy: 'bench',
          now,
        });
        if (!hold) throw new Error(`show ${showId} is not on sale`);
        return 'won';
      } catch (err) {
        if ((err as { code?: unknown }).code === '23505') return 'refused';
        throw err;
      }
    },
    taken: (showId) => moduleWay(hub, holds, map).taken(showId),
  };
}

/** A customer: how many adjacent seats they want, and their own dice (the same wish and dice for both ways). */
interface Customer {
  readonly id: string;
  readonly count: number;
  readonly draw: () => number;
}

/** A round's customers, with fresh dice: each way of a round gets the same wishes and the same draws in the same order. */
function customersOf(round: number, ids: readonly string[]): Customer[] {
  return ids.map((id, i) => {
    const draw = seededRandom(`booking-${round}-${i}`);
    return { id, count: 1 + Math.floor(draw() * 4), draw };
  });
}

/** A random block of `count` adjacent free seats in one row, as the map shows it; undefined when there is none. */
function pickBlock(map: SeatMap, taken: Uint8Array, count: number, draw: () => number): number[] | undefined {
  const starts: number[] = [];
  let run = 0;
  for (let s = 0; s < map.rowOf.length; s++) {
    run = taken[s] ? 0 : s > 0 && map.rowOf[s - 1] === map.rowOf[s] ? run + 1 : 1;
    if (run >= count) starts.push(s - count + 1);
  }
  if (!starts.length) return undefined;
  const first = starts[Math.floor(draw() * starts.length)]!;
  return Array.from({ length: count }, (_, k) => first + k);
}

interface Sale {
  attempts: number;
  won: number;
  refused: number;
  /** Customers who found no block of their size on the map (before or after a refusal) and left. */
  leftNoBlock: number;
  /** Customers refused TRIES times. */
  gaveUp: number;
  latencies: number[];
  seconds: number;
  /** Seats each won hold was answered with (the answers' own check: no seat given twice). */
  answered: number[][];
}

/**
 * Sells one show to the customers, IN_FLIGHT at once: each picks a free block from the map as it looked at the last
 * tick, asks for it, and after a refusal reads the map afresh and tries another, TRIES in all. Times each ask.
 */
async function sell(way: Way, showId: string, map: SeatMap, customers: readonly Customer[]): Promise<Sale> {
  const sale: Sale = {
    attempts: 0,
    won: 0,
    refused: 0,
    leftNoBlock: 0,
    gaveUp: 0,
    latencies: [],
    seconds: 0,
    answered: [],
  };
  // The map as the screens show it, read again once it is MAP_TICK_MS old: by the customer who finds it so, without
  // waiting for it (a timer would not do: PGlite answers without giving timers a turn, so a ticker never ran there).
  let seen = await way.taken(showId);
  let seenAt = performance.now();
  let reading: Promise<void> | undefined;
  let failed: unknown;
  const screen = () => {
    if (failed) throw failed;
    if (!reading && performance.now() - seenAt >= MAP_TICK_MS)
      reading = way.taken(showId).then(
        (t) => {
          seen = t;
          seenAt = performance.now();
          reading = undefined;
        },
        (err: unknown) => {
          failed = err;
          reading = undefined;
        },
      );
    return seen;
  };
  let next = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < customers.length) {
          const c = customers[next++]!;
          let view = screen();
          for (let t = 1; ; t++) {
            const block = pickBlock(map, view, c.count, c.draw);
            if (!block) {
              sale.leftNoBlock++;
              break;
            }
            const t0 = performance.now();
            const outcome = await way.hold(showId, c.id, block);
            sale.latencies.push(performance.now() - t0);
            sale.attempts++;
            if (outcome === 'won') {
              sale.won++;
              sale.answered.push(block);
              break;
            }
            sale.refused++;
            if (t === TRIES) {
              sale.gaveUp++;
              break;
            }
            view = await way.taken(showId);
          }
        }
      }),
    );
    sale.seconds = (performance.now() - started) / 1000;
  } finally {
    await reading;
  }
  return sale;
}

interface Verdict {
  /** Seats in more than one live hold, or in a live hold without that hold's claim (seat row): distinct seats. */
  doubleBooked: number;
  /** Live holds with fewer (or more) seats than they asked for. */
  partial: number;
  /** Claims (seat rows) marked by no live hold that has the seat: seats lost, not sold twice. */
  stray: number;
  /** Seats in live holds, per show. */
  sold: number[];
}

/**
 * Counted from the database after the run. The module's way: live holds' seat lists against each other and against
 * booking_seat_claims (each seat of a live hold must be claimed by that hold; each claim must be a live hold's).
 * The anchor's: its holds' seat lists against each other and against the seat rows' hold ids.
 */
async function verdict(way: Way, showIds: readonly string[]): Promise<Verdict> {
  const [holds, claims] =
    way.name !== 'anchor'
      ? ['booking_holds', 'booking_seat_claims']
      : ['bench_booking_anchor_holds', 'bench_booking_anchor_seats'];
  const { rows } = await way.db.query<{ double_booked: number; partial: number; stray: number }>(
    `WITH live AS (SELECT id, show_id, seat_nos, places FROM ${holds} WHERE show_id = ANY($1::uuid[]) AND status = ANY($2::text[])),
          held AS (SELECT id, show_id, unnest(seat_nos) AS seat_no FROM live)
     SELECT
       (SELECT count(*)::int FROM (
          SELECT show_id, seat_no FROM held GROUP BY show_id, seat_no HAVING count(*) > 1
          UNION
          SELECT h.show_id, h.seat_no FROM held h
            LEFT JOIN ${claims} c ON c.show_id = h.show_id AND c.seat_no = h.seat_no AND c.hold_id = h.id
            WHERE c.seat_no IS NULL) d) AS double_booked,
       (SELECT count(*)::int FROM live WHERE cardinality(seat_nos) <> places) AS partial,
       (SELECT count(*)::int FROM ${claims} c
          WHERE c.show_id = ANY($1::uuid[]) AND c.hold_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM live l WHERE l.id = c.hold_id AND c.seat_no = ANY(l.seat_nos))) AS stray`,
    [showIds, LIVE],
  );
  const sold = await way.db.query<{ show_id: string; n: number }>(
    `SELECT show_id, sum(cardinality(seat_nos))::int AS n FROM ${holds}
     WHERE show_id = ANY($1::uuid[]) AND status = ANY($2::text[]) GROUP BY show_id`,
    [showIds, LIVE],
  );
  const r = rows[0]!;
  return {
    doubleBooked: r.double_booked,
    partial: r.partial,
    stray: r.stray,
    sold: showIds.map((id) => sold.rows.find((x) => x.show_id === id)?.n ?? 0),
  };
}

/** Seats the answers gave to more than one customer of one show (the answers' side of the check). */
function answeredTwice(sales: readonly Sale[]): number {
  let twice = 0;
  for (const s of sales) {
    const seen = new Set<number>();
    for (const seat of s.answered.flat()) {
      if (seen.has(seat)) twice++;
      seen.add(seat);
    }
  }
  return twice;
}

/**
 * `booking`: CUSTOMERS customers on one hot show of 2,000 seats (rows of 40 in three priced sections), each wanting
 * 1–4 adjacent seats in a random free place of the map, IN_FLIGHT in flight at once, until none is left: hold attempts
 * answered per second (won or refused; the ratio's) and won holds per second, p95 per attempt, seats sold, and seats
 * double-booked and partial holds counted from the database. The module's way is the booking service's `place` (the
 * API's work minus HTTP); the anchor, on the same database in the same run with the same pool and customers, is
 * SELECT … FOR UPDATE per seat. A third way, one hold statement and one commit per hold (no service around it, no
 * group commit), says what the group commit is worth. Each way first sells a warm-up show that is not counted, then
 * ROUNDS fresh shows; each round starts with the next way.
 */
export const bookingBench: Benchmark = {
  name: 'booking',
  description: `${CUSTOMERS} customers on one show of ${SEAT_COUNT} seats wanting 1–4 adjacent seats (${IN_FLIGHT} in flight): hold attempts/s, p95 and seats double-booked, BookingService.place (and one hold statement per hold) against ${ANCHOR}`,
  async run() {
    return withDb(benchTargets[0]!, async (place) => {
      // the hub's context for the booking module: the bench calls the same service the routes do
      const { modules, context } = await modulesKeepingContext('booking');
      const hub = await createHub({
        port: 0,
        logLevel: 'silent',
        ...place,
        // one connection per customer in flight and one for the map reader, whichever way is selling
        poolSize: IN_FLIGHT + 1,
        modules,
      });
      try {
        const holds = bookingParts(context()).holds;
        const map = await seedVenue(holds);
        await createAnchorTables(hub.db);
        const ways: Record<WayName, Way> = {
          module: moduleWay(hub, holds, map),
          statement: statementWay(hub, holds, map),
          anchor: anchorWay(hub.db, Date.now),
        };
        // a warm-up sale per way on a show of its own, not counted: the pool opens its connections, the JIT compiles
        // the hot paths, Postgres caches the plans — the first measured round no longer pays for them
        const warmIds = Array.from({ length: Math.min(CUSTOMERS, WARM_UP_CUSTOMERS) }, () => uuidv7());
        for (const w of WAYS) {
          const showId = await seedShow(holds, map.venue, `Bench warm-up (${w})`);
          if (w === 'anchor') await seedAnchorSeats(hub.db, showId, map.venue.id);
          const sale = await sell(ways[w], showId, map, customersOf(-1, warmIds));
          console.error(`  warm-up ${w} (not counted): ${sale.attempts} attempts in ${sale.seconds.toFixed(2)} s`);
        }
        const sales: Record<WayName, Sale[]> = { module: [], statement: [], anchor: [] };
        const shows: Record<WayName, string[]> = { module: [], statement: [], anchor: [] };
        for (let r = 0; r < ROUNDS; r++) {
          const ids = Array.from({ length: CUSTOMERS }, () => uuidv7());
          // each round starts with the next way, so none always sells on the emptiest (or busiest) database
          const order = WAYS.map((_, i) => WAYS[(i + r) % WAYS.length]!);
          for (const w of order) {
            const showId = await seedShow(holds, map.venue, `Bench night ${r + 1} (${w})`);
            if (w === 'anchor') await seedAnchorSeats(hub.db, showId, map.venue.id);
            await hub.db.exec('ANALYZE');
            shows[w].push(showId);
            const sale = await sell(ways[w], showId, map, customersOf(r, ids));
            sales[w].push(sale);
            console.error(
              `  round ${r + 1}/${ROUNDS} ${w}: ${sale.attempts} attempts (${sale.won} won, ${sale.refused} refused) in ${sale.seconds.toFixed(2)} s; ${sale.leftNoBlock} left seeing no block, ${sale.gaveUp} gave up after ${TRIES} refusals`,
            );
          }
        }
        const db = hub.db.dialect === 'pglite' ? 'pglite' : 'postgres';
        /** What every rate and latency was measured under, in its text. */
        const load = `${CUSTOMERS.toLocaleString('en-GB')} customers, ${IN_FLIGHT} in flight`;
        const figures: Figure[] = [];
        const stat = (w: WayName) => {
          const s = sales[w];
          const seconds = s.reduce((n, x) => n + x.seconds, 0);
          const attempts = s.reduce((n, x) => n + x.attempts, 0);
          return {
            attempts,
            perS: attempts / seconds,
            wonPerS: s.reduce((n, x) => n + x.won, 0) / seconds,
            p95: percentile(
              s.flatMap((x) => x.latencies),
              95,
            ),
          };
        };
        const m = stat('module');
        const st = stat('statement');
        const a = stat('anchor');
        const checks = {} as Record<WayName, Verdict>;
        for (const w of WAYS) checks[w] = await verdict(ways[w], shows[w]);
        figures.push(
          // the ratio compares attempts answered per second (won or refused), the holds/s
          against(
            {
              bench: 'booking',
              metric: 'holds_per_s',
              value: m.perS,
              unit: `1/s (hold attempts answered, won or refused; ${load})`,
              db,
              n: m.attempts,
            },
            ANCHOR,
            a.perS,
          ),
          {
            ...against(
              {
                bench: 'booking',
                metric: 'won_per_s',
                value: m.wonPerS,
                unit: `1/s (holds won; ${load})`,
                db,
                n: m.attempts,
              },
              ANCHOR,
              a.wonPerS,
            ),
          },
          against(
            { bench: 'booking', metric: 'p95_ms', value: m.p95, unit: `ms per attempt (${load})`, db, n: m.attempts },
            ANCHOR,
            a.p95,
            false,
          ),
          against(
            {
              bench: 'booking',
              metric: 'statement_holds_per_s',
              value: st.perS,
              unit: `1/s (attempts answered by one hold statement and one commit per hold, no service, no group commit; ${load})`,
              db,
              n: st.attempts,
            },
            ANCHOR,
            a.perS,
          ),
          against(
            {
              bench: 'booking',
              metric: 'statement_p95_ms',
              value: st.p95,
              unit: `ms per attempt (${load})`,
              db,
              n: st.attempts,
            },
            ANCHOR,
            a.p95,
            false,
          ),
        );
        // the p95 ratios by name and direction (the figures' `ratio` is anchor over ours for a latency: > 1 is better)
        figures.push(
          {
            bench: 'booking',
            metric: 'p95_anchor_over_module',
            value: round(a.p95 / m.p95, 2),
            unit: `the anchor's p95 over BookingService.place's (> 1: the module answers faster; ${load})`,
            db,
            n: m.attempts,
          },
          {
            bench: 'booking',
            metric: 'p95_anchor_over_statement',
            value: round(a.p95 / st.p95, 2),
            unit: `the anchor's p95 over one hold statement per hold's (> 1: the statement answers faster; ${load})`,
            db,
            n: st.attempts,
          },
        );
        for (const w of WAYS) {
          const v = checks[w];
          const label = w === 'module' ? '' : `_${w}`;
          const twice = answeredTwice(sales[w]);
          figures.push(
            {
              bench: 'booking',
              metric: `seats_sold${label}`,
              value: Math.min(...v.sold),
              unit: `seats of ${SEAT_COUNT} (the least-sold show)`,
              db,
              n: v.sold.length,
            },
            {
              bench: 'booking',
              metric: `double_booked${label}`,
              // the answers' own count (a seat given to two customers) is printed and fails the run too
              value: v.doubleBooked,
              unit: 'seats (distinct, counted from the database after the run)',
              db,
              n: v.sold.length,
            },
            {
              bench: 'booking',
              metric: `partial_holds${label}`,
              value: v.partial,
              unit: 'holds',
              db,
              n: v.sold.length,
            },
          );
          console.error(
            `  ${w}: sold ${v.sold.join(', ')} of ${SEAT_COUNT} per show; double-booked ${v.doubleBooked} (database) + ${twice} (answers); partial ${v.partial}; stray claims ${v.stray}`,
          );
          if (v.doubleBooked || twice || v.partial || v.stray || v.sold.some((n) => n > SEAT_COUNT))
            process.exitCode = 1;
        }
        const ratio = m.perS / a.perS;
        console.error(
          `  goal: holds/s ≥ ${GOAL_RATIO}× the anchor's — ${round(ratio, 2)}× (${round(m.perS)} against ${round(a.perS)}): ${ratio >= GOAL_RATIO ? 'met' : 'NOT met'}; p95 < ${GOAL_P95_MS} ms — ${round(m.p95)} ms: ${m.p95 < GOAL_P95_MS ? 'met' : 'NOT met'}`,
        );
        return figures;
      } finally {
        await hub.stop();
      }
    });
  },
};
