import {
  ConflictError,
  feedEntry,
  ForbiddenError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
  type DeliveryStatus,
} from '@storefleet/shared';
import type { Queryable } from '../../../db/db.js';
import type { DriverAppLine, DriverApps } from '../carriers/driver-app.js';
import type { Delivery } from '../types.js';
import type { DriverFrame, RunDelivery } from './driver-frames.js';
import { ARRIVING_RADIUS_KM, directEta, etasAlong, haversineKm, type Point, type RemainingStop } from './eta.js';
import { pinMatches, sha256 } from './link-tokens.js';
import { outcomeOf, tellStore, type TrackingDeps } from './tracking-deps.js';
import type { Driver, TrackedDelivery } from './tracking-repository.js';

/**
 * What a driver app may do, one frame at a time (driver-socket.ts is the wire around it):
 *
 *   ASSIGNED ──collected / the store's hand-over──▶ OUT_FOR_DELIVERY ──within 300 m──▶ ARRIVING
 *   OUT_FOR_DELIVERY | ARRIVING ──delivered (proof, PIN if age-restricted)──▶ DELIVERED
 *   OUT_FOR_DELIVERY | ARRIVING ──failed (reason)──▶ FAILED ▶ RETURNING ──back-at-store──▶ RETURNED
 *
 * A frame about a delivery that is not this carrier's is refused before anything is written (ForbiddenError, the same
 * for one that does not exist). A frame repeating a move already made answers `replayed` and changes nothing, so an
 * app that lost an answer can send again. Each move is one transaction: the delivery's new state, its timeline line,
 * the store's copy in its feed, and the hub's flows told (DELIVERY_HOOKS).
 */
export class DriverService {
  /** `apps`: the driver-app carriers' offers, pushed to and answered on this socket (carriers/driver-app.ts). */
  constructor(
    readonly deps: TrackingDeps,
    readonly apps?: DriverApps,
  ) {}

  /** A driver app's socket opened: it is sent its carrier's open offers, and new ones until `leave` is called. */
  openApp(driver: Driver, line: DriverAppLine): () => void {
    return this.apps ? this.apps.connect(driver.carrierId, line) : () => {};
  }

  /** `accept` / `decline` an offer, or `drop-out` of an accepted delivery: the assignment decides (one per delivery). */
  answerOffer(driver: Driver, f: Extract<DriverFrame, { type: 'accept' | 'decline' | 'drop-out' }>) {
    if (!this.apps) throw new UnprocessableError('this hub takes no answers to offers on the drivers’ socket');
    return this.apps.take(driver, f);
  }

  /** The carrier whose driver token was presented; UnauthorizedError for none, ForbiddenError for an inactive one. */
  async driverFor(presented: string): Promise<Driver> {
    if (!presented.startsWith('drv_') || presented.length > 200)
      throw new UnauthorizedError('a driver app signs in with its carrier’s driver token (drv_…)');
    const driver = await this.deps.repo.driverByTokenHash(this.deps.db, sha256(presented));
    if (!driver)
      throw new UnauthorizedError('this driver token is not valid (a newer one replaced it, or it never was)');
    if (!driver.active) throw new ForbiddenError(`carrier ${driver.code} is not active`);
    return driver;
  }

  /** What the driver has to collect, deliver or bring back, in the van's route order where it has one. */
  async runs(driver: Driver): Promise<RunDelivery[]> {
    const { db, repo } = this.deps;
    const mine = await repo.ofCarrier(db, driver.carrierId, ON_RUN);
    const order = new Map((await repo.routeStops(db, driver.carrierId)).map((s, i) => [s.deliveryId, i + 1]));
    return mine.map((t) => runOf(t, order.get(t.delivery.id) ?? null));
  }

  /**
   * Keeps a position, then re-estimates each delivery on board and raises ARRIVING (once) for the one the driver is
   * at. Answers the estimates. A position older than the one kept goes on the trail only.
   */
  async position(
    driver: Driver,
    f: Extract<DriverFrame, { type: 'position' }>,
  ): Promise<{ etas: Record<string, number> }> {
    const { db, repo } = this.deps;
    const now = this.deps.now();
    if (f.at > now + CLOCK_SLACK_MS)
      throw new ValidationError('the position is timed ahead of the hub’s clock: check the device’s time');
    if (f.at < now - OLDEST_POSITION_MS) throw new ValidationError('the position is more than a day old');
    if (f.deliveryId) {
      const t = await repo.tracked(db, f.deliveryId);
      if (!t || t.delivery.carrierId !== driver.carrierId) throw notYours(driver, f.deliveryId);
      if (!ON_RUN.includes(t.delivery.status))
        throw new ConflictError(`${t.delivery.orderNumber} is ${t.delivery.status}: it is no longer on your run`);
    }
    return db.transaction(async (tx) => {
      const before = await repo.latestPosition(tx, driver.carrierId);
      await repo.savePosition(
        tx,
        driver.carrierId,
        { lat: f.lat, lon: f.lon, at: f.at, deliveryId: f.deliveryId ?? null },
        now,
      );
      if (before && f.at < before.at) return { etas: {} };
      return { etas: Object.fromEntries(await this.#reestimate(tx, driver, f, now)) };
    });
  }

  async #reestimate(tx: Queryable, driver: Driver, here: Point & { deliveryId?: string | undefined }, now: number) {
    const { repo } = this.deps;
    const onBoard = await repo.ofCarrier(tx, driver.carrierId, ['OUT_FOR_DELIVERY', 'ARRIVING']);
    if (!onBoard.length) return new Map<string, number>();
    const byId = new Map(onBoard.map((t) => [t.delivery.id, t]));
    const route: RemainingStop[] = (await repo.routeStops(tx, driver.carrierId))
      .filter((s) => s.state !== 'DONE' && byId.has(s.deliveryId))
      .map((s) => {
        const d = byId.get(s.deliveryId)!.delivery;
        return {
          deliveryId: d.id,
          door: doorOf(d),
          windowFrom: d.window.from,
          serviceMs: Math.max(0, s.departAt - s.arriveAt),
        };
      });
    const etas = etasAlong(here, now, driver, route);
    for (const t of onBoard)
      if (!etas.has(t.delivery.id)) etas.set(t.delivery.id, directEta(here, doorOf(t.delivery), now, driver));
    await repo.setEtas(tx, etas);
    // The geofence: the door the driver said it was heading for, else the route's next stop, else any door on board.
    const at: TrackedDelivery[] = here.deliveryId
      ? onBoard.filter((t) => t.delivery.id === here.deliveryId)
      : route.length
        ? [byId.get(route[0]!.deliveryId)!]
        : onBoard;
    for (const t of at) {
      const km = haversineKm(here, doorOf(t.delivery));
      if (t.delivery.status !== 'OUT_FOR_DELIVERY' || km > ARRIVING_RADIUS_KM) continue;
      const d = await repo.markArriving(tx, t.delivery.id, now);
      if (!d) continue;
      await repo.addEvent(tx, d.id, now, 'arriving', { carrier: driver.code, metresFromDoor: Math.round(km * 1000) });
      await tellStore(this.deps, tx, d, driver);
    }
    return etas;
  }

  /**
   * The driver has the goods: OUT_FOR_DELIVERY, so the driver can drive even when the store is offline. It is the
   * driver's word only: the goods leave the store's count and the payment is captured when the store's desk hands the
   * order's hold over (`reservation.picked-up`), which the desk still offers while the store's copy says out for
   * delivery or delivered; that hand-over, arriving later, leaves the delivery as it is (hand-over.ts).
   */
  async collected(driver: Driver, deliveryId: string): Promise<Outcome> {
    return this.#move(driver, deliveryId, async (tx, d, now) => {
      if (d.status !== 'ASSIGNED') {
        if (AFTER_HAND_OVER.includes(d.status)) return { deliveryId, status: d.status, replayed: true };
        throw new ConflictError(`${d.orderNumber} is ${d.status}: there is nothing to collect`);
      }
      const out = await this.deps.repo.setStatus(tx, d.id, 'OUT_FOR_DELIVERY', now);
      await this.deps.repo.addEvent(tx, d.id, now, 'collected', { carrier: driver.code });
      await tellStore(this.deps, tx, out, driver);
      return { deliveryId, status: out.status, replayed: false };
    });
  }

  async delivered(driver: Driver, f: Extract<DriverFrame, { type: 'delivered' }>): Promise<Outcome> {
    const { repo } = this.deps;
    let wrongPin: { orderNumber: string; left: number } | undefined;
    const outcome = await this.#move(driver, f.deliveryId, async (tx, d, now) => {
      if (d.status === 'DELIVERED') return { deliveryId: d.id, status: d.status, replayed: true };
      if (d.status !== 'OUT_FOR_DELIVERY' && d.status !== 'ARRIVING')
        throw new ConflictError(`${d.orderNumber} is ${d.status}: it cannot be delivered now`);
      if (d.ageRestricted) {
        const pin = await repo.pin(tx, d.id);
        if (!pin)
          throw new UnprocessableError(
            `${d.orderNumber} holds age-restricted goods and no PIN was issued for it (no tracking link was made): hand it over only after the store sends the customer a link`,
          );
        if (pin.wrongTries >= MAX_WRONG_PINS)
          throw new UnprocessableError(
            `${d.orderNumber}: ${MAX_WRONG_PINS} wrong PINs were given; the goods stay with you (report it failed)`,
          );
        if (!f.pin)
          throw new UnprocessableError(`${d.orderNumber} holds age-restricted goods: check ID and ask for the PIN`);
        if (!(await pinMatches(f.pin, d.id, pin.hash))) {
          const tries = await repo.wrongPin(tx, d.id);
          wrongPin = { orderNumber: d.orderNumber, left: Math.max(0, MAX_WRONG_PINS - tries) };
          return { deliveryId: d.id, status: d.status, replayed: false };
        }
      }
      const where = await repo.latestPosition(tx, driver.carrierId);
      await repo.saveProof(tx, {
        deliveryId: d.id,
        carrierId: driver.carrierId,
        kind: f.proof.kind,
        ref: f.proof.ref,
        pinChecked: d.ageRestricted,
        where,
        at: now,
      });
      const done = await repo.setStatus(tx, d.id, 'DELIVERED', now);
      const proof = { kind: f.proof.kind, ref: f.proof.ref };
      await repo.addEvent(tx, d.id, now, 'delivered', { carrier: driver.code, proof, pinChecked: d.ageRestricted });
      await tellStore(this.deps, tx, done, driver);
      await this.deps.hooks()?.delivered(tx, { ...outcomeOf(done, now), proof });
      return { deliveryId: d.id, status: done.status, replayed: false };
    });
    // The wrong try is counted (committed) and the frame refused: the goods stay with the driver.
    if (wrongPin)
      throw new UnprocessableError(
        `wrong PIN for ${wrongPin.orderNumber}: the goods stay with you (${wrongPin.left} ${wrongPin.left === 1 ? 'try' : 'tries'} left)`,
      );
    return outcome;
  }

  /** Not delivered: FAILED with the reason, and at once RETURNING (the driver brings the goods back to the store). */
  async failed(driver: Driver, f: Extract<DriverFrame, { type: 'failed' }>): Promise<Outcome> {
    const { repo } = this.deps;
    return this.#move(driver, f.deliveryId, async (tx, d, now) => {
      if (d.status === 'RETURNING' || d.status === 'RETURNED')
        return { deliveryId: d.id, status: d.status, replayed: true };
      if (d.status !== 'OUT_FOR_DELIVERY' && d.status !== 'ARRIVING')
        throw new ConflictError(`${d.orderNumber} is ${d.status}: only goods out for delivery can fail at the door`);
      await repo.addEvent(tx, d.id, now, 'failed', { carrier: driver.code, reason: f.reason });
      const back = await repo.setStatus(tx, d.id, 'RETURNING', now, f.reason);
      await repo.addEvent(tx, d.id, now, 'returning', { carrier: driver.code });
      await tellStore(this.deps, tx, back, driver);
      await this.deps.hooks()?.failed(tx, { ...outcomeOf(back, now), reason: f.reason });
      return { deliveryId: d.id, status: back.status, replayed: false };
    });
  }

  /** The goods of a failed delivery are back at their store: RETURNED, and the store told to put them into its stock. */
  async backAtStore(driver: Driver, deliveryId: string): Promise<Outcome> {
    const { repo } = this.deps;
    return this.#move(driver, deliveryId, async (tx, d, now) => {
      if (d.status === 'RETURNED') return { deliveryId: d.id, status: d.status, replayed: true };
      if (d.status !== 'RETURNING')
        throw new ConflictError(`${d.orderNumber} is ${d.status}: only the goods of a failed delivery come back`);
      const back = await repo.setStatus(tx, d.id, 'RETURNED', now);
      await repo.addEvent(tx, d.id, now, 'returned', { carrier: driver.code });
      await this.deps.feed.append(tx, back.storeId, [
        feedEntry('delivery.returned', {
          id: back.id,
          orderNumber: back.orderNumber,
          lines: back.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
          reason: (back.failure ?? 'the delivery failed').slice(0, 500),
          at: now,
        }),
      ]);
      await tellStore(this.deps, tx, back, driver);
      await this.deps.hooks()?.returned(tx, outcomeOf(back, now));
      return { deliveryId: d.id, status: back.status, replayed: false };
    });
  }

  /** Runs `step` on the delivery locked, once it is known to be this carrier's. */
  #move(
    driver: Driver,
    deliveryId: string,
    step: (tx: Queryable, d: Delivery, now: number) => Promise<Outcome>,
  ): Promise<Outcome> {
    return this.deps.db.transaction(async (tx) => {
      const d = await this.deps.repo.lock(tx, deliveryId);
      if (!d || d.carrierId !== driver.carrierId) throw notYours(driver, deliveryId);
      return step(tx, d, this.deps.now());
    });
  }
}

export interface Outcome {
  readonly deliveryId: string;
  readonly status: DeliveryStatus;
  readonly replayed: boolean;
}

/** Deliveries a driver still has business with. */
const ON_RUN: readonly DeliveryStatus[] = ['ASSIGNED', 'OUT_FOR_DELIVERY', 'ARRIVING', 'RETURNING'];
const AFTER_HAND_OVER: readonly DeliveryStatus[] = [
  'OUT_FOR_DELIVERY',
  'ARRIVING',
  'DELIVERED',
  'FAILED',
  'RETURNING',
  'RETURNED',
];
/** Wrong PINs before the goods can only go back. */
export const MAX_WRONG_PINS = 5;
const CLOCK_SLACK_MS = 5 * 60_000;
const OLDEST_POSITION_MS = 24 * 3_600_000;

const notYours = (driver: Driver, deliveryId: string) =>
  new ForbiddenError(`delivery ${deliveryId} is not on the runs of ${driver.code}: refused, nothing recorded`);

export const doorOf = (d: Delivery): Point => ({ lat: d.request.address.lat, lon: d.request.address.lon });

const firstName = (name: string) => name.trim().split(/\s+/)[0]?.slice(0, 60) || 'Customer';

function runOf(t: TrackedDelivery, stop: number | null): RunDelivery {
  const d = t.delivery;
  const a = d.request.address;
  return {
    id: d.id,
    orderNumber: d.orderNumber,
    status: d.status,
    store: { id: t.store.id, name: t.store.name, lat: t.store.lat, lon: t.store.lon },
    door: {
      lat: a.lat,
      lon: a.lon,
      line1: a.line1,
      city: a.city,
      postcode: a.postcode,
      instructions: a.instructions ?? null,
    },
    customerFirstName: firstName(d.customerName),
    window: d.window,
    eta: d.eta,
    ageRestricted: d.ageRestricted,
    stop,
  };
}
