import { formatReturnNumber, formatSaleNumber } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { StoreProfile } from './store-profile.js';

/**
 * The lane's next sale and return numbers (schema/004). Call inside the transaction that writes the basket or the
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

  nextSale(): string {
    return formatSaleNumber(this.profile.code, this.lane, this.#next('SALE'));
  }

  nextReturn(): string {
    return formatReturnNumber(this.profile.code, this.lane, this.#next('RETURN'));
  }

  #next(kind: 'SALE' | 'RETURN'): number {
    if (!this.db.inTransaction) throw new Error('a lane number is taken inside the write that uses it');
    return this.#bump.get(this.lane, kind) as number;
  }
}
