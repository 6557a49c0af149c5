import { AppError, ConflictError, ForbiddenError, NotFoundError, type DeliveryStatus } from '@storefleet/shared';
import { isHeadOffice } from '../../../kernel/access.js';
import type { Principal } from '../../../kernel/principal.js';
import { doorOf } from './driver-service.js';
import { etaWindow, type Point } from './eta.js';
import { hashPin, newTrackingToken, pinOf, sha256, TRACKING_TOKEN } from './link-tokens.js';
import type { TrackingDeps } from './tracking-deps.js';

/** Where the customer's page lives; the token rides in the fragment, which browsers never send to a server. */
export const TRACK_PAGE = '/console/modules/delivery/track.html';

/** How long a link keeps answering after its delivery ended (delivered, returned, cancelled). */
const ENDED_LINK_DAYS = 7;
const ENDED: readonly DeliveryStatus[] = ['DELIVERED', 'RETURNED', 'CANCELLED', 'UNASSIGNED'];
const ON_THE_WAY: readonly DeliveryStatus[] = ['OUT_FOR_DELIVERY', 'ARRIVING'];

/** What the customer's tracking page is told: their delivery only, and nothing of anyone else's. */
export interface TrackView {
  readonly orderNumber: string;
  readonly status: DeliveryStatus;
  /** The window promised at checkout. */
  readonly window: { readonly from: number; readonly to: number };
  readonly eta: number | null;
  /** "arrives 14:20–14:40": twenty minutes around the estimate, while the goods are on their way. */
  readonly etaWindow: { readonly from: number; readonly to: number } | null;
  /** The store's time zone: the page shows times as the store's clock reads them. */
  readonly timezone: string;
  readonly store: { readonly name: string; readonly lat: number; readonly lon: number };
  readonly door: Point;
  readonly driver: { readonly firstName: string; readonly vehicle: string } | null;
  /** Where the driver is, while the goods are on their way and this door is the driver's next one. */
  readonly position: (Point & { readonly at: number }) | null;
  /** Doors the driver has to call at before this one (on a van's planned route), else null. */
  readonly stopsBefore: number | null;
  readonly ageRestricted: boolean;
  /** Age-restricted goods: the PIN the customer tells the driver at the door. */
  readonly pin: string | null;
  readonly proof: { readonly kind: string; readonly at: number } | null;
  /** Why it did not arrive (a failed delivery going back to the store). */
  readonly failure: string | null;
  readonly updatedAt: number;
}

/** The customer's tracking links: minted by head office, read with nothing but the token. */
export class TrackingLinks {
  constructor(readonly deps: TrackingDeps) {}

  /**
   * A new link for the delivery (the old one stops working) and, for age-restricted goods, a new PIN. The token is
   * answered here once and never stored. Anyone but head office is refused (403) before the delivery is looked up.
   */
  async mint(p: Principal, deliveryId: string): Promise<{ deliveryId: string; orderNumber: string; token: string }> {
    const { db, repo } = this.deps;
    // Head office only (customer service): a link reads the exact door and the PIN, which a store's staff may not
    // see, and each one revokes the customer's link and makes a new PIN with its wrong tries forgotten.
    if (!isHeadOffice(p))
      throw new ForbiddenError('tracking links are made by head office (customer service), not by a store');
    const t = await repo.tracked(db, deliveryId);
    if (!t) throw new NotFoundError('delivery', deliveryId);
    const d = t.delivery;
    if (ENDED.includes(d.status)) throw new ConflictError(`${d.orderNumber} is ${d.status}: there is nothing to track`);
    const token = newTrackingToken();
    const pinHash = d.ageRestricted ? await hashPin(pinOf(token), d.id) : undefined;
    await db.transaction(async (tx) => {
      const now = this.deps.now();
      const locked = await repo.lock(tx, d.id);
      if (!locked || ENDED.includes(locked.status))
        throw new ConflictError(`${d.orderNumber} is ${locked?.status ?? 'gone'}: there is nothing to track`);
      await repo.setTrackingToken(tx, d.id, sha256(token));
      if (pinHash) await repo.savePin(tx, d.id, pinHash, now);
      await repo.addEvent(tx, d.id, now, 'tracking-link', { by: 'head office', replacesEarlier: true, pin: !!pinHash });
    });
    return { deliveryId: d.id, orderNumber: d.orderNumber, token };
  }

  /** The customer's view of the delivery the token tracks; a 404 for a token that tracks nothing (any more). */
  async view(token: string): Promise<TrackView> {
    const { db, repo } = this.deps;
    const unknown = () =>
      new AppError('not-found', 'no delivery is tracked by this link: it may have been replaced by a newer one');
    if (!TRACKING_TOKEN.test(token)) throw unknown();
    const t = await repo.trackedByTokenHash(db, sha256(token));
    if (!t) throw unknown();
    const d = t.delivery;
    const now = this.deps.now();
    if (ENDED.includes(d.status) && d.updatedAt < now - ENDED_LINK_DAYS * 86_400_000)
      throw new AppError('not-found', `this tracking link has expired: ${d.orderNumber} ended more than a week ago`);
    const onTheWay = ON_THE_WAY.includes(d.status) && d.carrierId !== null;
    let position: TrackView['position'] = null;
    let stopsBefore: number | null = null;
    if (onTheWay) {
      const stops = await repo.routeStops(db, d.carrierId!);
      const onBoard = new Set(
        (await repo.ofCarrier(db, d.carrierId!, ['OUT_FOR_DELIVERY', 'ARRIVING'])).map((o) => o.delivery.id),
      );
      const remaining = stops.filter((s) => s.state !== 'DONE' && onBoard.has(s.deliveryId)).map((s) => s.deliveryId);
      const mine = remaining.indexOf(d.id);
      if (mine >= 0) stopsBefore = mine;
      // While the driver calls at other doors first, where it is would show someone else's address: the position is
      // shown only when this door is known to be the next one — the driver's last position named this delivery, or
      // (naming none) the van's route has it first, or nothing else is on board. A gig driver with two customers'
      // goods and no route shows neither of them where it is until it says which door it is heading for.
      const at = await repo.latestPosition(db, d.carrierId!);
      const next =
        at !== undefined &&
        (at.deliveryId === d.id ||
          (at.deliveryId === null && (stopsBefore === 0 || (onBoard.size === 1 && onBoard.has(d.id)))));
      if (at && next) position = { lat: at.lat, lon: at.lon, at: at.at };
    }
    const proof = d.status === 'DELIVERED' ? await repo.proof(db, d.id) : undefined;
    const pinned = d.ageRestricted && !ENDED.includes(d.status) && !!(await repo.pin(db, d.id));
    return {
      orderNumber: d.orderNumber,
      status: d.status,
      window: d.window,
      eta: onTheWay ? d.eta : null,
      etaWindow: onTheWay && d.eta !== null ? etaWindow(d.eta, now) : null,
      timezone: t.store.timezone,
      store: { name: t.store.name, lat: t.store.lat, lon: t.store.lon },
      door: doorOf(d),
      driver: d.driver
        ? { firstName: d.driver.name.trim().split(/\s+/)[0]!.slice(0, 60), vehicle: d.driver.vehicle }
        : null,
      position,
      stopsBefore,
      ageRestricted: d.ageRestricted,
      pin: pinned ? pinOf(token) : null,
      proof: proof ? { kind: proof.kind, at: proof.at } : null,
      failure: d.status === 'FAILED' || d.status === 'RETURNING' || d.status === 'RETURNED' ? d.failure : null,
      updatedAt: d.updatedAt,
    };
  }
}
