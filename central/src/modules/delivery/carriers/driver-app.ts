import {
  ConflictError,
  ForbiddenError,
  type DriverFrame,
  type DriverOffer,
  type HubToDriver,
} from '@storefleet/shared';
import type { Logger } from 'pino';
import type { Queryable } from '../../../db/db.js';
import type { HubMode } from '../../../kernel/hub-settings.js';
import { distanceKm } from '../geo.js';
import type { Carrier, OfferScore, OfferStatus } from '../types.js';
import type { CarrierAdapter, CarrierAnswers, OfferSent } from './carrier.js';

/** Where a frame for one open driver socket goes (the socket's own send: it drops the frame once closed). */
export type DriverAppLine = (frame: HubToDriver) => void;

type OfferAnswerFrame = Extract<DriverFrame, { type: 'accept' | 'decline' | 'drop-out' }>;
type Ok = Extract<HubToDriver, { type: 'ok' }>;

/** How an offer that is no longer open reads in a refusal. */
const CLOSED: Record<Exclude<OfferStatus, 'PENDING'>, string> = {
  ACCEPTED: 'accepted',
  DECLINED: 'declined',
  TIMED_OUT: 'timed out',
  WITHDRAWN: 'withdrawn',
};

/**
 * The driver app as a carrier's integration: the carrier's driver app keeps the drivers' socket open
 * (`/api/delivery/drivers`, signed in with the carrier's driver token), the hub pushes each offer to every socket of
 * the carrier that is open in this process as an `offer` frame, and the app answers `accept` / `decline`, or gives up
 * an accepted delivery before collecting it with `drop-out`. Answers go through the assignment's own paths
 * (`CarrierAnswers`), exactly as the simulators' do, so the database decides: one open and one accepted offer per
 * delivery, whichever socket answers first.
 *
 * Nothing waits for a driver: an offer made while no socket of its carrier is open here is simply not answered, and
 * the assignment's sweep times it out and offers the delivery to the next carrier. A socket that opens while an offer
 * is still open is sent it then (a reconnect, a restarted hub, an offer made on another hub replica).
 */
export class DriverApps {
  readonly #lines = new Map<string, Set<DriverAppLine>>();
  #answers: CarrierAnswers | undefined;

  constructor(
    readonly db: Queryable,
    readonly now: () => number,
    readonly log: Logger,
    readonly mode: HubMode,
  ) {}

  /**
   * Whether the hub reaches `c` through its driver app: a gig driver, DSP or drone whose row names no simulator, on a
   * production hub (in demo and test mode such a row is simulated with its kind's default: built-in-network.ts).
   */
  reaches(c: Pick<Carrier, 'kind' | 'simulator'>): boolean {
    return this.mode === 'production' && c.kind !== 'VAN' && !c.simulator;
  }

  /** Where the drivers' answers go: the assignment, once the module's parts are built. */
  answerTo(answers: CarrierAnswers): void {
    this.#answers = answers;
  }

  /** The adapter of one carrier reached through its driver app (built-in-network.ts decides which carriers). */
  adapterFor(carrier: Carrier): CarrierAdapter & { stop(): void } {
    return new DriverAppCarrier(carrier, this);
  }

  /**
   * A driver app's socket of `carrierId` opened: it is sent the carrier's offers still open, and every new one while
   * it stays open. Returns what to call when the socket closes.
   */
  connect(carrierId: string, line: DriverAppLine): () => void {
    const set = this.#lines.get(carrierId) ?? new Set<DriverAppLine>();
    set.add(line);
    this.#lines.set(carrierId, set);
    void this.#openOffers('o.carrier_id = $1', carrierId, true)
      .then((offers) => {
        for (const o of offers) if (set.has(line)) line(o);
      })
      .catch((err: unknown) => this.log.warn({ err }, 'could not send a driver app its open offers'));
    return () => {
      set.delete(line);
      if (!set.size && this.#lines.get(carrierId) === set) this.#lines.delete(carrierId);
    };
  }

  /** How many driver app sockets of the carrier are open in this process. */
  connected(carrierId: string): number {
    return this.#lines.get(carrierId)?.size ?? 0;
  }

  /** Sends `frame` to every open socket of the carrier; a socket that fails to take it is left to its close. */
  push(carrierId: string, frame: HubToDriver): void {
    for (const line of this.#lines.get(carrierId) ?? []) {
      try {
        line(frame);
      } catch (err) {
        this.log.warn({ err, carrierId }, 'a driver app socket could not be sent a frame');
      }
    }
  }

  /** An offer the assignment made (committed): read what the driver needs to decide, and push it to the carrier. */
  offered(o: OfferSent): void {
    if (!this.connected(o.carrierId)) return; // nobody to tell here: it is sent when a socket opens, or times out
    void this.#openOffers('o.id = $1', o.offerId)
      .then((offers) => {
        for (const f of offers) this.push(o.carrierId, { ...f, collectBy: o.collectBy });
      })
      .catch((err: unknown) => this.log.warn({ err, offerId: o.offerId }, 'could not push an offer to a driver app'));
  }

  /**
   * A driver app's `accept`, `decline` or `drop-out`, for carrier `driver`: answered `ok` when the hub took it (or
   * it repeats one already taken: `replayed`), refused (thrown AppError, answered as an error frame) when it cannot be
   * — an offer or a delivery of another carrier, an offer no longer open, goods already collected.
   */
  async take(driver: { readonly carrierId: string; readonly code: string }, f: OfferAnswerFrame): Promise<Ok> {
    const answers = this.#answers;
    if (!answers) throw new ConflictError('the hub is starting: send the frame again in a moment');
    switch (f.type) {
      case 'accept': {
        const r = await answers.answer(f.offerId, driver.carrierId, 'ACCEPT', null, f.driver);
        const o = await this.#offer(f.offerId);
        if (r.outcome !== 'ignored') {
          if (r.outcome === 'assigned')
            return okOf(f, { offerId: f.offerId, deliveryId: r.delivery.id, status: 'ACCEPTED', replayed: false });
          // Accepted too late for its run: the hub declined it for the carrier (no room left, the window lost).
          throw new ConflictError(
            `${o.orderNumber} was not given to you (${o.note ?? 'the hub declined it'}): it is offered to the next carrier`,
          );
        }
        if (r.status === 'ACCEPTED')
          return okOf(f, { offerId: f.offerId, deliveryId: o.deliveryId, status: 'ACCEPTED', replayed: true });
        throw new ConflictError(
          `the offer of ${o.orderNumber} is no longer open (${CLOSED[r.status as keyof typeof CLOSED] ?? r.status}): it has gone to the next carrier`,
        );
      }
      case 'decline': {
        const r = await answers.answer(f.offerId, driver.carrierId, 'DECLINE', f.reason ?? null);
        if (r.outcome !== 'ignored')
          return okOf(f, { offerId: f.offerId, deliveryId: r.delivery.id, status: 'DECLINED', replayed: false });
        const o = await this.#offer(f.offerId);
        if (r.status === 'ACCEPTED')
          throw new ConflictError(
            `you accepted the offer of ${o.orderNumber}: to give it up before collecting it, send drop-out`,
          );
        return okOf(f, { offerId: f.offerId, deliveryId: o.deliveryId, status: r.status, replayed: true });
      }
      case 'drop-out':
        return this.#dropOut(driver, f, answers);
    }
  }

  async #dropOut(
    driver: { readonly carrierId: string; readonly code: string },
    f: Extract<OfferAnswerFrame, { type: 'drop-out' }>,
    answers: CarrierAnswers,
  ): Promise<Ok> {
    const notYours = new ForbiddenError(
      `delivery ${f.deliveryId} is not on the runs of ${driver.code}: refused, nothing recorded`,
    );
    const { rows } = await this.db.query<{
      order_number: string;
      status: string;
      carrier_id: string | null;
      offer_status: string | null;
      offer_note: string | null;
    }>(
      `SELECT d.order_number, d.status, d.carrier_id, o.status AS offer_status, o.note AS offer_note
         FROM deliveries d LEFT JOIN delivery_offers o ON o.delivery_id = d.id AND o.carrier_id = $2
        WHERE d.id = $1`,
      [f.deliveryId, driver.carrierId],
    );
    const d = rows[0];
    if (!d) throw notYours;
    if (d.carrier_id !== driver.carrierId) {
      // This carrier's offer closed by its own drop-out: the frame is a repeat (the app lost the answer).
      if (d.offer_status === 'DECLINED' && d.offer_note?.startsWith('dropped out'))
        return okOf(f, { deliveryId: f.deliveryId, status: d.status, replayed: true });
      throw notYours;
    }
    if (d.status !== 'ASSIGNED')
      throw new ConflictError(
        `${d.order_number} is ${d.status}: only a delivery not yet collected can be given up (deliver it, or report it failed)`,
      );
    const reason = f.reason ?? `the driver of ${driver.code} dropped out before collecting it`;
    const r = await answers.dropOut(f.deliveryId, driver.carrierId, reason);
    if (r.outcome === 'ignored')
      throw new ConflictError(`${d.order_number} changed meanwhile: ask for your runs (list) and try again`);
    return okOf(f, { deliveryId: f.deliveryId, status: r.delivery.status, replayed: false });
  }

  async #offer(offerId: string): Promise<{ deliveryId: string; orderNumber: string; note: string | null }> {
    const { rows } = await this.db.query<{ delivery_id: string; order_number: string; note: string | null }>(
      `SELECT o.delivery_id, d.order_number, o.note
         FROM delivery_offers o JOIN deliveries d ON d.id = o.delivery_id WHERE o.id = $1`,
      [offerId],
    );
    const r = rows[0]!;
    return { deliveryId: r.delivery_id, orderNumber: r.order_number, note: r.note };
  }

  /** Open offers (`where` on the offer `o`) as the driver app reads them: still PENDING, unexpired, not yet taken. */
  async #openOffers(where: string, param: string, reachedOnly = false): Promise<DriverOffer[]> {
    const { rows } = await this.db.query<OfferRow>(
      `SELECT o.id, o.delivery_id, o.score, o.expires_at, d.order_number, d.request, d.weight_grams,
              d.age_restricted, d.window_from, d.window_to, d.collect_by,
              l.id AS store_id, l.name AS store_name, l.lat AS store_lat, l.lon AS store_lon,
              c.kind AS carrier_kind, c.simulator AS carrier_simulator
         FROM delivery_offers o JOIN deliveries d ON d.id = o.delivery_id JOIN locations l ON l.id = d.store_id
              JOIN delivery_carriers c ON c.id = o.carrier_id
        WHERE ${where} AND o.status = 'PENDING' AND o.expires_at > $2 AND d.status = 'REQUESTED'
        ORDER BY o.expires_at`,
      [param, this.now()],
    );
    // A simulated carrier's socket (the demo's drivers) is not sent offers: its simulator answers them.
    return rows
      .filter((r) => !reachedOnly || this.reaches({ kind: r.carrier_kind, simulator: r.carrier_simulator }))
      .map(offerOf);
  }
}

interface OfferRow {
  id: string;
  delivery_id: string;
  score: OfferScore | string;
  expires_at: number | string;
  order_number: string;
  request: { address: { lat: number; lon: number; city: string; postcode: string } } | string;
  weight_grams: number;
  age_restricted: boolean;
  window_from: number | string;
  window_to: number | string;
  collect_by: number | string | null;
  store_id: string;
  store_name: string;
  store_lat: number;
  store_lon: number;
  carrier_kind: Carrier['kind'];
  carrier_simulator: Carrier['simulator'];
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

function offerOf(r: OfferRow): DriverOffer {
  const { address } = json(r.request);
  const store = { id: r.store_id, name: r.store_name, lat: Number(r.store_lat), lon: Number(r.store_lon) };
  const cost = json(r.score).terms.find((t) => t.name === 'cost');
  const windowFrom = Number(r.window_from);
  return {
    type: 'offer',
    offerId: r.id,
    deliveryId: r.delivery_id,
    orderNumber: r.order_number,
    store,
    area: { city: address.city, postcode: address.postcode },
    distanceKm: Math.round(distanceKm(store, address) * 10) / 10,
    window: { from: windowFrom, to: Number(r.window_to) },
    collectBy: r.collect_by === null ? windowFrom : Number(r.collect_by),
    weightGrams: r.weight_grams,
    ageRestricted: r.age_restricted,
    payMinor: cost && Number.isFinite(cost.value) ? Math.max(0, Math.round(cost.value)) : null,
    expiresAt: Number(r.expires_at),
  };
}

const okOf = (f: OfferAnswerFrame, rest: Omit<Ok, 'type' | 'ref' | 'of'>): Ok => ({
  type: 'ok',
  ref: f.ref,
  of: f.type,
  ...rest,
});

/**
 * One carrier reached through its driver app. `offer` pushes (after the offer's commit, as every adapter is called)
 * and returns; `withdraw` and `cancel` tell the carrier's open sockets that an offer closed or an accepted delivery is
 * off, so the app stops showing it. Nothing here holds a timer: the assignment's sweep times out what is not answered.
 */
class DriverAppCarrier implements CarrierAdapter {
  constructor(
    readonly carrier: Carrier,
    readonly apps: DriverApps,
  ) {}

  offer(o: OfferSent): void {
    this.apps.offered(o);
  }

  withdraw(offerId: string): void {
    this.apps.push(this.carrier.id, { type: 'offer-closed', offerId });
  }

  cancel(deliveryId: string): void {
    this.apps.push(this.carrier.id, { type: 'cancelled', deliveryId });
  }

  stop(): void {
    // No timers: an answer on its way after the hub stopped is refused by the closed database.
  }
}
