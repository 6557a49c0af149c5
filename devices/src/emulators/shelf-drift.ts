import { seededRandom } from './random.js';

/**
 * What an emulated sales floor really holds, against what the store's books say: the demo's source of RFID drift.
 * Every episode (a few minutes of store time) a few tagged units go missing (shoplifted, broken, put back in the
 * stockroom) or turn up unbooked (a delivery line nobody received), chosen by a seeded generator so a store drifts
 * the same way in every run. The difference is `pending` per sku: the shelf holds `onHand + pending` tags. When the
 * node's RFID cycle count confirms a drift it moves stock by it (RFID_RECONCILE); that adjustment is taken off
 * `pending`, so the books and the shelf agree again until the next episode, and a sale takes a unit off both.
 *
 *   episode n ──(new episode: + its drifts)──▶ pending ≠ 0 ──(count confirms Δ: pending − Δ)──▶ pending = 0
 *
 * Invariant: a sku's shelf is never negative (`shelfUnits`), and an adjustment never moves pending past zero the
 * other way (an adjustment bigger than the drift, e.g. after a hand count, just settles it).
 */
export interface ShelfDriftState {
  /** The last episode whose drifts were added (-1: none yet). */
  readonly episode: number;
  /** Units on the shelf beyond (positive) or short of (negative) the books, per sku; absent is 0. */
  readonly pending: Readonly<Record<string, number>>;
}

export const NO_DRIFT: ShelfDriftState = { episode: -1, pending: {} };

/** Missing is likelier than extra, as on a real floor. */
const DELTAS = [-2, -1, -1, 1] as const;

/** The drifts episode `episode` brings: `count` distinct skus of `skus`, each a unit or two short or one extra. */
export function driftsOf(
  skus: readonly string[],
  seed: number,
  episode: number,
  count = 3,
): { sku: string; delta: number }[] {
  const random = seededRandom((seed ^ Math.imul(episode + 1, 0x9e3779b1)) >>> 0);
  const pool = [...skus];
  const out: { sku: string; delta: number }[] = [];
  while (out.length < count && pool.length) {
    const [sku] = pool.splice(Math.floor(random() * pool.length), 1);
    out.push({ sku: sku!, delta: DELTAS[Math.floor(random() * DELTAS.length)]! });
  }
  return out;
}

/**
 * The next state: the drifts of `episode` added once when it is newer than the last (an episode missed while the
 * node was off is not made up), then the confirmed `adjustments` taken off.
 */
export function advanceDrift(
  state: ShelfDriftState,
  input: {
    readonly episode: number;
    readonly skus: readonly string[];
    readonly seed: number;
    readonly adjustments: readonly { sku: string; delta: number }[];
  },
): ShelfDriftState {
  const pending = { ...state.pending };
  if (input.episode > state.episode)
    for (const d of driftsOf(input.skus, input.seed, input.episode)) pending[d.sku] = (pending[d.sku] ?? 0) + d.delta;
  for (const a of input.adjustments) {
    const p = pending[a.sku] ?? 0;
    if (p === 0 || Math.sign(a.delta) !== Math.sign(p)) continue; // not ours to settle
    pending[a.sku] = Math.sign(p) * Math.max(0, Math.abs(p) - Math.abs(a.delta));
  }
  for (const [sku, p] of Object.entries(pending)) if (p === 0) delete pending[sku];
  return { episode: Math.max(state.episode, input.episode), pending };
}

/** How many tags of a sku are on the shelf: the books plus the drift, never fewer than none. */
export function shelfUnits(onHand: number, state: ShelfDriftState, sku: string): number {
  return Math.max(0, onHand + (state.pending[sku] ?? 0));
}
