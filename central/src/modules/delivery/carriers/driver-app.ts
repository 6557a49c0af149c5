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

/**
 * How often a hub process with driver apps connected looks for their carriers' offers made on another hub replica:
 * an offer lasts DELIVERY_OFFER_TIMEOUT_MS (a minute by default), so a second of it is lost at most.
 */
export const DRIVER_OFFER_POLL_MS = 1_000;

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
 * Nothing waits for a driver: an offer made while no socket of its carrier is open is simply not answered, and the
 * assignment's sweep times it out and offers the delivery to the next carrier. A socket that opens while an offer is
 * still open is sent it then (a reconnect, a restarted hub). The hub replica that made an offer pushes it at once; a
 * replica holding the carrier's sockets finds it within DRIVER_OFFER_POLL_MS (one query for all the carriers with
 * sockets open in it; no timer while none is), and tells the sockets when an offer they were shown closes elsewhere.
 */
export class DriverApps {
  readonly #lines = new Map<string, Set<DriverAppLine>>();
  /** Per carrier with sockets open here, the offers its sockets were shown ('shown') or answered or told closed. */
  readonly #seen = new Map<string, Map<string, 'shown' | 'settled'>>();
  /** Sockets just opened: the next look sends them every open offer of their carrier, seen or not. */
  readonly #fresh = new Set<DriverAppLine>();
  #answers: CarrierAnswers | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(
    readonly db: Queryable,
    readonly now: () => number,
    readonly log: Logger,
    readonly mode: HubMode,
    readonly pollMs = DRIVER_OFFER_POLL_MS,
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
    if (!this.#seen.has(carrierId)) this.#seen.set(carrierId, new Map());
    // The next look sends this socket every open offer of its carrier; it looks at once.
    this.#fresh.add(line);
    this.#timer ??= setInterval(() => void this.poll(), this.pollMs).unref();
    void this.poll();
    return () => {
      this.#fresh.delete(line);
      set.delete(line);
      if (set.size || this.#lines.get(carrierId) !== set) return;
      this.#lines.delete(carrierId);
      this.#seen.delete(carrierId);
      if (!this.#lines.size) this.stop();
    };
  }

  /**
   * Pushes the offers of the carriers with sockets open here that their sockets were not shown (made on another hub
   * replica), and `offer-closed` for those shown that closed without an answer from here (timed out or withdrawn
   * elsewhere). Runs every DRIVER_OFFER_POLL_MS while a socket is open; one at a time.
   */
  async poll(): Promise<void> {
    if (this.#polling) {
      this.#again = true;
      return;
    }
    if (!this.#lines.size) return;
    this.#polling = true;
    try {
      const carriers = [...this.#lines.keys()];
      const fresh = new Set(this.#fresh);
      const open = await this.#openOffers('o.carrier_id = ANY($1::uuid[])', carriers, true);
      for (const carrierId of carriers) {
        const seen = this.#seen.get(carrierId);
        const lines = this.#lines.get(carrierId);
        if (!seen || !lines) continue; // its last socket closed meanwhile
        const now = new Set<string>();
        for (const o of open)
          if (o.carrierId === carrierId) {
            now.add(o.offer.offerId);
            const unseen = !seen.has(o.offer.offerId);
            if (unseen) seen.set(o.offer.offerId, 'shown');
            for (const line of lines) if (unseen || fresh.has(line)) this.#send(line, o.offer);
          }
        for (const line of lines) if (fresh.has(line)) this.#fresh.delete(line);
        for (const [offerId, state] of seen)
          if (!now.has(offerId)) {
            seen.delete(offerId);
            if (state === 'shown') this.push(carrierId, { type: 'offer-closed', offerId });
          }
      }
    } catch (err) {
      // The database unreachable: the next tick looks again; offers not seen meanwhile time out and move on.
      this.log.warn({ err }, 'could not look for the driver apps’ offers');
    } finally {
      this.#polling = false;
      if (this.#again) {
        this.#again = false;
        void this.poll();
      }
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Marks an offer as dealt with for the carrier's sockets here (answered here, or told closed): never shown again. */
  settle(carrierId: string, offerId: string): void {
    this.#seen.get(carrierId)?.set(offerId, 'settled');
  }

  /** How many driver app sockets of the carrier are open in this process. */
  connected(carrierId: string): number {
    return this.#lines.get(carrierId)?.size ?? 0;
  }

  /** Sends `frame` to every open socket of the carrier; a socket that fails to take it is left to its close. */
  push(carrierId: string, frame: HubToDriver): void {
    for (const line of this.#lines.get(carrierId) ?? []) this.#send(line, frame);
  }

  #send(line: DriverAppLine, frame: HubToDriver): void {
    try {
      line(frame);
    } catch (err) {
      this.log.warn({ err }, 'a driver app socket could not be sent a frame');
    }
  }

  /** An offer the assignment made (committed): read what the driver needs to decide, and push it to the carrier. */
  offered(o: OfferSent): void {
    const seen = this.#seen.get(o.carrierId);
    // Nobody to tell here (it is sent when a socket opens, or times out), or the poll showed it already.
    if (!seen || seen.has(o.offerId)) return;
    seen.set(o.offerId, 'shown');
    void this.#openOffers('o.id = $1', o.offerId)
      .then((offers) => {
        for (const f of offers) this.push(o.carrierId, { ...f.offer, collectBy: o.collectBy });
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
        this.settle(driver.carrierId, f.offerId);
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
        this.settle(driver.carrierId, f.offerId);
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
  async #openOffers(
    where: string,
    param: string | readonly string[],
    reachedOnly = false,
  ): Promise<{ carrierId: string; offer: DriverOffer }[]> {
    const { rows } = await this.db.query<OfferRow>(
      `SELECT o.id, o.carrier_id, o.delivery_id, o.score, o.expires_at, d.order_number, d.request, d.weight_grams,
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
      .map((r) => ({ carrierId: r.carrier_id, offer: offerOf(r) }));
  }
}

interface OfferRow {
  id: string;
  carrier_id: string;
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
    this.apps.settle(this.carrier.id, offerId);
    this.apps.push(this.carrier.id, { type: 'offer-closed', offerId });
  }

  cancel(deliveryId: string): void {
    this.apps.push(this.carrier.id, { type: 'cancelled', deliveryId });
  }

  stop(): void {
    // No timers: an answer on its way after the hub stopped is refused by the closed database.
  }
}
