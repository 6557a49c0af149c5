import { formatReturnNumber, formatSaleNumber } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { StoreProfile } from './store-profile.js';

/**
 * Each lane's next sale and return numbers (schema/004: one sequence per lane and kind), for the lane a screen is
 * (`lane` defaults to the node's own, `STORE_LANE`). Call inside the transaction that writes the basket or the
 * return the number is for: the bump and the row commit together, so a number is used exactly once and none is
 * skipped (a rolled-back write gives its number back with it).
 */
export class LaneNumbers {
  readonly #bump;

  constructor(
    readonly db: SqliteDb,
    readonly profile: StoreProfile,
    readonly lane: number,
  ) {
    this.#bump = db
      .prepare(
        `INSERT INTO pos_lane_sequences (lane, kind, last) VALUES (?, ?, 1)
         ON CONFLICT (lane, kind) DO UPDATE SET last = last + 1 RETURNING last`,
      )
      .pluck();
  }

  nextSale(lane = this.lane): string {
    return formatSaleNumber(this.profile.code, lane, this.#next(lane, 'SALE'));
  }

  nextReturn(lane = this.lane): string {
    return formatReturnNumber(this.profile.code, lane, this.#next(lane, 'RETURN'));
  }

  #next(lane: number, kind: 'SALE' | 'RETURN'): number {
    if (!this.db.inTransaction) throw new Error('a lane number is taken inside the write that uses it');
    return this.#bump.get(lane, kind) as number;
  }
}
