import { isHeadOffice } from '../../kernel/access.js';
import type { Principal } from '../../kernel/principal.js';
import type { Order } from './types.js';

/**
 * A DELIVERY order as a store reads it (its staff, its node's token): the area, not the door. The store packs the bag
 * and hands it to the driver; the delivery desk shows it the postcode and city and "Ann L.", and so does the orders
 * API — the street, the coordinates, the phone and the driver's instructions stay with head office (and the driver's
 * app, for the deliveries on its run). Other orders, and every order to head office, are returned as they are.
 */
export function orderFor(p: Principal, o: Order): Order {
  if (!redacted(p, o)) return o;
  return { ...o, customerName: deskName(o.customerName), fulfilment: areaOnly(o.fulfilment) };
}

/**
 * The order's timeline as `orderFor` shows the order: to a store, the saga's lines that copy the fulfilment (RESERVE,
 * FULFIL) or the customer's name (PLACED) carry the area and "Ann L." only.
 */
export function timelineFor<E extends { readonly detail: unknown }>(p: Principal, o: Order, events: readonly E[]): E[] {
  if (!redacted(p, o)) return [...events];
  return events.map((e) => {
    if (!e.detail || typeof e.detail !== 'object') return e;
    const d = e.detail as Record<string, unknown>;
    const fulfilment = d.fulfilment as Order['fulfilment'] | undefined;
    if (!fulfilment?.delivery && typeof d.customerName !== 'string') return e;
    return {
      ...e,
      detail: {
        ...d,
        ...(fulfilment?.delivery ? { fulfilment: areaOnly(fulfilment) } : {}),
        ...(typeof d.customerName === 'string' ? { customerName: deskName(d.customerName) } : {}),
      },
    };
  });
}

const redacted = (p: Principal, o: Order) => !isHeadOffice(p) && o.fulfilment.type === 'DELIVERY';

/** The fulfilment with its delivery cut to the speed, the window and the area (postcode and city). */
function areaOnly(f: Order['fulfilment']): Order['fulfilment'] {
  if (!f.delivery) return f;
  const { speed, window, address } = f.delivery;
  const delivery = {
    speed,
    ...(window ? { window } : {}),
    address: { city: address.city, postcode: address.postcode },
  };
  return { ...f, delivery } as Order['fulfilment'];
}

/** A first name and an initial ("Ann L."), as the store's delivery desk names the customer. */
function deskName(name: string): string {
  const [first, ...rest] = name.trim().split(/\s+/).filter(Boolean);
  if (!first) return 'Customer';
  const last = rest.at(-1);
  return (last ? `${first} ${last[0]!.toUpperCase()}.` : first).slice(0, 100);
}
