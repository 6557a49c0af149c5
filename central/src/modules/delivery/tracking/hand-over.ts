import { partitionByPayload, type DeliveryHandedToDriver, type DeliveryStatus } from '@storefleet/shared';
import type { Queryable } from '../../../db/db.js';
import type { AppliedEvent, EventHandler, HandlerResult } from '../../../kernel/event-handlers.js';
import type { Delivery } from '../types.js';
import { outcomeOf, tellStore, type TrackingDeps } from './tracking-deps.js';

/** Handed over already (by this event earlier, or the driver's `collected` first): a repeat changes nothing. */
const HANDED_OVER: readonly DeliveryStatus[] = [
  'OUT_FOR_DELIVERY',
  'ARRIVING',
  'DELIVERED',
  'FAILED',
  'RETURNING',
  'RETURNED',
];

/**
 * `delivery.handed-to-driver` (store → hub): the store gave the goods to the driver, maybe while offline. An ASSIGNED
 * delivery of that store goes OUT_FOR_DELIVERY; one handed over already is left as it is (the event came twice, or
 * the driver's app said `collected` first — the store's desk still records its hand-over then, and the hold's own
 * event, `reservation.picked-up`, moves the stock and captures the payment, once). A CANCELLED delivery whose carrier
 * had accepted it was handed over by a store that had not heard of the cancel (offline): the goods are with the
 * driver, so it goes RETURNING ("handed over after it was cancelled: bring it back") — the driver's app lists it and
 * its back-at-store returns the goods to the store's stock (`delivery.returned`). Each event is refused alone, with a
 * reason the parked list shows, when its payload is malformed, its delivery unknown or another store's, or the
 * delivery is not one to hand over (no carrier yet, cancelled before any carrier accepted, unassigned).
 */
export function handOverHandler(deps: TrackingDeps): EventHandler {
  return async (tx: Queryable, events: readonly AppliedEvent[]): Promise<HandlerResult> => {
    const { valid, refused } = partitionByPayload('delivery.handed-to-driver', events);
    const rejected = [...refused];
    for (const e of valid) {
      const reason = await handOver(deps, tx, e.origin, e.payload as DeliveryHandedToDriver);
      if (reason) rejected.push({ seq: e.seq, reason });
    }
    return { rejected: rejected.sort((x, y) => x.seq - y.seq) };
  };
}

/** Applies one hand-over; returns why it was refused, or undefined. */
async function handOver(
  deps: TrackingDeps,
  tx: Queryable,
  storeId: string,
  p: DeliveryHandedToDriver,
): Promise<string | undefined> {
  const { repo } = deps;
  const id = p.deliveryId;
  const d = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)
    ? await repo.lock(tx, id)
    : undefined;
  if (!d) return `delivery ${id} not found`;
  if (d.storeId !== storeId) return `delivery ${id} (${d.orderNumber}) leaves from another store, not this one`;
  if (HANDED_OVER.includes(d.status)) return undefined;
  if (d.status === 'CANCELLED' && d.carrierId) return bringBack(deps, tx, d, p);
  if (d.status !== 'ASSIGNED')
    return `${d.orderNumber} is ${d.status}: ${d.status === 'REQUESTED' ? 'no carrier has accepted it yet' : 'there is nothing to hand over'}`;
  const now = deps.now();
  const out = await repo.setStatus(tx, d.id, 'OUT_FOR_DELIVERY', now);
  await repo.addEvent(tx, d.id, now, 'handed-to-driver', {
    storeAt: p.at,
    ...(p.driverName ? { driverName: p.driverName } : {}),
  });
  const carrier = out.carrierId ? await repo.tracked(tx, out.id) : undefined;
  await tellStore(deps, tx, out, carrier?.carrier ?? null);
  return undefined;
}

/** The goods of a cancelled delivery left the store anyway: the driver is asked to bring them back. */
async function bringBack(
  deps: TrackingDeps,
  tx: Queryable,
  d: Delivery,
  p: DeliveryHandedToDriver,
): Promise<undefined> {
  const { repo } = deps;
  const now = deps.now();
  const reason = 'handed over after it was cancelled: bring it back';
  await repo.addEvent(tx, d.id, now, 'handed-to-driver', {
    storeAt: p.at,
    ...(p.driverName ? { driverName: p.driverName } : {}),
    afterCancel: true,
  });
  const back = await repo.setStatus(tx, d.id, 'RETURNING', now, reason);
  const carrier = await repo.tracked(tx, back.id);
  await repo.addEvent(tx, d.id, now, 'returning', { reason });
  await tellStore(deps, tx, back, carrier?.carrier ?? null);
  await deps.hooks()?.failed(tx, { ...outcomeOf(back, now), reason });
  return undefined;
}
