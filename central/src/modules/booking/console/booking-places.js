// The stores and venues the booking pages name: stores with their clock (`timezone`), read once per page (head office
// every location, a manager their own store), and the venues (`GET /api/booking/venues`).
import { storeLabel } from '/console/lib.js';

export const VIEWER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** A Map id → `{ id, code, name, kind, timezone }`: every store for head office, the manager's own for a manager. */
export async function storesFor(api, me) {
  const stores = new Map();
  if (me?.role === 'STORE_MANAGER') {
    const own = await api('GET', `/api/locations/${encodeURIComponent(me.storeId)}`);
    stores.set(own.id, own);
    return stores;
  }
  let after = '';
  for (let page = 0; page < 20; page++) {
    const q = new URLSearchParams({ limit: '1000', ...(after ? { after } : {}) });
    const { items, next } = await api('GET', `/api/locations?${q}`);
    for (const l of items) if (l.kind !== 'DC') stores.set(l.id, l);
    if (!next) break;
    after = next;
  }
  return stores;
}

/** The venues the caller may use, as a Map id → venue; a manager's are their store's. */
export async function venuesFor(api, me) {
  const q = me?.role === 'STORE_MANAGER' ? `?storeId=${encodeURIComponent(me.storeId)}` : '';
  const answer = await api('GET', `/api/booking/venues${q}`);
  const list = Array.isArray(answer) ? answer : (answer.items ?? []);
  return new Map(list.map((v) => [v.id, v]));
}

/** Where a venue is: "Head office" or its store's name. */
export const venuePlace = (stores, storeId) =>
  storeId ? storeLabel(stores.get(storeId), `…${String(storeId).slice(-8)}`) : 'Head office';

/** A venue's clock: its own zone, else its store's, else the viewer's. */
export const venueZone = (venues, stores, show) =>
  venues.get(show.venueId)?.timeZone ?? stores.get(show.storeId)?.timezone ?? VIEWER_ZONE;
