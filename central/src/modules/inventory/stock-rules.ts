import type { MovementKind, MovementSource } from './types.js';

/** Where a movement came from, for history and reports: tills, online orders, the supply chain, RFID counts. */
export function sourceOf(kind: MovementKind): MovementSource {
  switch (kind) {
    case 'SALE':
    case 'RETURN':
    case 'ADJUSTMENT':
      return 'POS';
    case 'PICKUP':
      return 'ONLINE';
    case 'RECEIVE':
    case 'TRANSFER_IN':
    case 'TRANSFER_OUT':
      return 'WAREHOUSE';
    case 'RFID_RECONCILE':
      return 'RFID';
  }
}

/** The sign a kind must have: a sale never adds stock, a receipt never removes it. ADJUSTMENT and RFID go both ways. */
export function deltaFits(kind: MovementKind, delta: number): boolean {
  if (!Number.isSafeInteger(delta) || delta === 0) return false;
  switch (kind) {
    case 'SALE':
    case 'TRANSFER_OUT':
    case 'PICKUP':
      return delta < 0;
    case 'RETURN':
    case 'RECEIVE':
    case 'TRANSFER_IN':
      return delta > 0;
    case 'ADJUSTMENT':
    case 'RFID_RECONCILE':
      return true;
  }
}

export function available(onHand: number, reserved: number, safety: number): number {
  return Math.max(0, onHand - reserved - safety);
}

/** Sums deltas per sku, so a batch of a thousand sales touches each stock row once. */
export function netBySku(moves: readonly { sku: string; delta: number }[]): Map<string, number> {
  const net = new Map<string, number>();
  for (const m of moves) net.set(m.sku, (net.get(m.sku) ?? 0) + m.delta);
  return net;
}

/** `inventory_movements_y2026m11` and its bounds [first ms of the month, first ms of the next), UTC. */
export function monthPartition(atMs: number): { name: string; from: number; to: number } {
  const d = new Date(atMs);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return {
    name: `inventory_movements_y${y}m${String(m + 1).padStart(2, '0')}`,
    from: Date.UTC(y, m, 1),
    to: Date.UTC(y, m + 1, 1),
  };
}

/** How far back sales velocity is measured, and the longest silence the buffer grows with. */
export const VELOCITY_WINDOW_MS = 7 * 86_400_000;
export const MAX_SILENCE_MS = 72 * 3600_000;

/**
 * Units to hold back from promising at a store the hub has not heard from for `silentMs`: what it probably sold
 * meanwhile at its recent pace (sales over the last 7 days), rounded up. A connected store gets none: its sales reach
 * the hub within seconds. The hub thus promises only from what it can be sure of — an escrow, as DESIGN.md describes.
 */
export function offlineBuffer(soldInWindow: number, silentMs: number): number {
  if (silentMs <= 0 || soldInWindow <= 0) return 0;
  return Math.ceil((soldInWindow * Math.min(silentMs, MAX_SILENCE_MS)) / VELOCITY_WINDOW_MS);
}
