// The places the delivery pages name and draw: stores and distribution centres with their position and their clock
// (`timezone`), read once per page. Head office reads every location; a store's manager only their own store.
import { storeLabel } from '/console/lib.js';

/** Where a delivery's times are read when its store is unknown to the page (an older hub, a deleted store). */
export const FALLBACK_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/**
 * A Map id → `{ id, code, name, kind, lat, lon, timezone }`: every location for head office (pages of 1,000), the
 * manager's own store for a manager.
 */
export async function placesFor(api, me) {
  const places = new Map();
  if (me?.role === 'STORE_MANAGER') {
    const own = await api('GET', `/api/locations/${encodeURIComponent(me.storeId)}`);
    places.set(own.id, own);
    return places;
  }
  let after = '';
  for (let page = 0; page < 20; page++) {
    const q = new URLSearchParams({ limit: '1000', ...(after ? { after } : {}) });
    const { items, next } = await api('GET', `/api/locations?${q}`);
    for (const l of items) places.set(l.id, l);
    if (!next) break;
    after = next;
  }
  return places;
}

/** A place's clock, or the viewer's when the page does not know it. */
export const zoneOf = (places, id) => places.get(id)?.timezone ?? FALLBACK_ZONE;

/** "S001 — Manhattan Flagship", or the id's tail. */
export const placeLabel = (places, id) => storeLabel(places.get(id), id ? `…${String(id).slice(-8)}` : '—');

/**
 * The clock of a carrier that has no depot (a gig driver, a delivery partner serving an area): that of the place
 * nearest the centre of its area, so "08:00" means the morning where it drives; UTC with no place known.
 */
export function nearestZone(places, lat, lon) {
  let best;
  let bestD = Number.POSITIVE_INFINITY;
  for (const p of places.values()) {
    const d = (p.lat - lat) ** 2 + ((p.lon - lon) * Math.cos((lat * Math.PI) / 180)) ** 2;
    if (d < bestD) [best, bestD] = [p, d];
  }
  return best?.timezone ?? 'UTC';
}
