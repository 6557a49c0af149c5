import type { ReservationLine, ReservationStatus } from './types.js';

/**
 * Reservation life cycle:
 *   HELD ──confirm (paid, before expiry)──▶ CONFIRMED ──pickup──▶ FULFILLED
 *    │ └──release / expiry──▶ RELEASED / EXPIRED        └──release──▶ RELEASED
 *    └──pickup──▶ FULFILLED
 * A pickup the store handed over offline is accepted even after the hub expired or released the hold: the store
 * honours holds it already had, and the stock left through the store's PICKUP movement either way.
 */
export const DEFAULT_TTL_MS = 15 * 60_000;
export const PICKUP_WINDOW_MS = 72 * 3600_000;

/** One line per sku (quantities summed), in sku order. */
export function normaliseLines(lines: readonly ReservationLine[]): ReservationLine[] {
  const qty = new Map<string, number>();
  for (const l of lines) qty.set(l.sku, (qty.get(l.sku) ?? 0) + l.qty);
  return [...qty].sort(([a], [b]) => a.localeCompare(b)).map(([sku, q]) => ({ sku, qty: q }));
}

/** Whether the hold's units are still counted in `reserved` in this status. */
export function holdsStock(status: ReservationStatus): boolean {
  return status === 'HELD' || status === 'CONFIRMED';
}

export type ConfirmOutcome = 'confirm' | 'already' | 'expired' | 'ended';

export function confirmOutcome(status: ReservationStatus, expiresAt: number, now: number): ConfirmOutcome {
  if (status === 'CONFIRMED' || status === 'FULFILLED') return 'already';
  if (status !== 'HELD') return 'ended';
  return expiresAt > now ? 'confirm' : 'expired';
}
