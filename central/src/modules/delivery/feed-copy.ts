import { feedEntry, type FeedPayload } from '@storefleet/shared';
import type { Carrier, Delivery } from './types.js';

/** The desk's name for a customer: a first name and an initial ("Ann L."), never the full name. */
export function deskName(customerName: string): string {
  const words = customerName.trim().split(/\s+/).filter(Boolean);
  if (!words.length) return 'Customer';
  const [first, ...rest] = words;
  const last = rest.at(-1);
  return (last ? `${first} ${last[0]!.toUpperCase()}.` : first!).slice(0, 100);
}

/**
 * The store's copy of a delivery that leaves from it (`delivery.changed`), built in one place so every status change
 * — an assignment, a hand-over, a failure — sends the same shape. Append it with `ctx.feed.append(tx, d.storeId, …)`
 * in the transaction that makes the change.
 */
export function storeCopy(
  d: Delivery,
  carrier: Pick<Carrier, 'kind' | 'name'> | null,
): { readonly type: 'delivery.changed'; readonly payload: FeedPayload<'delivery.changed'> } {
  const a = d.request.address;
  return feedEntry('delivery.changed', {
    id: d.id,
    orderNumber: d.orderNumber,
    reservationId: d.reservationId,
    status: d.status,
    speed: d.request.speed,
    window: { from: d.window.from, to: d.window.to },
    customerName: deskName(d.customerName),
    area: `${a.postcode} ${a.city}`.slice(0, 140),
    lines: d.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
    carrier: carrier ? { kind: carrier.kind, name: carrier.name.slice(0, 100) } : null,
    driver: d.driver,
    collectBy: d.collectBy,
    ageRestricted: d.ageRestricted,
    updatedAt: d.updatedAt,
  });
}
