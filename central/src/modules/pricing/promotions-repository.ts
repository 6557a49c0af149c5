import type { PromotionRow } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { PROMOTION_COLUMNS, PROMOTION_RUNS, toPromotionRow } from './rules-repository.js';
import type { PromotionView } from './types.js';

type ViewDbRow = Parameters<typeof toPromotionRow>[0] & {
  created_by: string | null;
  created_at: number | string;
  updated_at: number | string;
};

/** A promotion row for head office: where it stands at `now`. */
export function toView(r: ViewDbRow, now: number): PromotionView {
  const { deleted: _, ...row } = toPromotionRow(r);
  const status = row.from > now ? 'SCHEDULED' : row.to !== null && row.to <= now ? 'ENDED' : 'ACTIVE';
  return { ...row, createdBy: r.created_by, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at), status };
}
const VIEW_COLUMNS = `${PROMOTION_COLUMNS}, created_by, created_at, updated_at`;

/** A promotion as written (its rule validated by the caller). */
export interface PromotionWrite {
  readonly id: string;
  readonly name: string;
  readonly rule: PromotionRow['rule'];
  readonly priority: number;
  readonly stacking: PromotionRow['stacking'];
  readonly from: number;
  readonly to: number | null;
  readonly storeIds: readonly string[];
  readonly regionIds: readonly string[];
  readonly couponRequired: boolean;
  readonly membersOnly: boolean;
  readonly revision: number;
}

/** All SQL of promotions (promotions.ts). */
export class PromotionsRepository {
  constructor(readonly q: Queryable) {}

  async get(id: string, now: number): Promise<PromotionView | null> {
    const { rows } = await this.q.query<ViewDbRow>(
      `SELECT ${VIEW_COLUMNS} FROM pricing_promotions WHERE id = $1::uuid AND NOT deleted`,
      [id],
    );
    return rows[0] ? toView(rows[0], now) : null;
  }

  /**
   * Promotions (not deleted) in id order after `after`, of one status at `now` when given, running at a place when
   * given (a store's people see those that run at their store).
   */
  async list(
    q: {
      status: PromotionView['status'] | null;
      after: string | null;
      limit: number;
      place: { storeId: string; regionId: string | null } | null;
    },
    now: number,
  ): Promise<PromotionView[]> {
    const { rows } = await this.q.query<ViewDbRow>(
      `SELECT ${VIEW_COLUMNS} FROM pricing_promotions
       WHERE NOT deleted AND ($3::uuid IS NULL OR id > $3::uuid)
         AND ($4::boolean = false OR ${PROMOTION_RUNS})
         AND ($5::text IS NULL
           OR ($5 = 'SCHEDULED' AND valid_from > $6)
           OR ($5 = 'ENDED' AND valid_to IS NOT NULL AND valid_to <= $6)
           OR ($5 = 'ACTIVE' AND valid_from <= $6 AND (valid_to IS NULL OR valid_to > $6)))
       ORDER BY id LIMIT $7`,
      [q.place?.storeId ?? null, q.place?.regionId ?? null, q.after, q.place !== null, q.status, now, q.limit],
    );
    return rows.map((r) => toView(r, now));
  }

  /** Inserts a promotion or replaces a live one under its id. */
  async put(p: PromotionWrite, createdBy: string | null, now: number): Promise<void> {
    await this.q.query(
      `INSERT INTO pricing_promotions (id, name, kind, rule, priority, stacking, valid_from, valid_to, store_ids,
         region_ids, coupon_required, members_only, revision, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13, $14, $15, $15)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, rule = EXCLUDED.rule,
         priority = EXCLUDED.priority, stacking = EXCLUDED.stacking, valid_from = EXCLUDED.valid_from,
         valid_to = EXCLUDED.valid_to, store_ids = EXCLUDED.store_ids, region_ids = EXCLUDED.region_ids,
         coupon_required = EXCLUDED.coupon_required, members_only = EXCLUDED.members_only,
         revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at`,
      [
        p.id,
        p.name,
        p.rule.kind,
        JSON.stringify(p.rule),
        p.priority,
        p.stacking,
        p.from,
        p.to,
        JSON.stringify(p.storeIds),
        JSON.stringify(p.regionIds),
        p.couponRequired,
        p.membersOnly,
        p.revision,
        createdBy,
        now,
      ],
    );
  }

  async end(id: string, at: number, revision: number): Promise<void> {
    await this.q.query(
      'UPDATE pricing_promotions SET valid_to = $2, revision = $3, updated_at = $2 WHERE id = $1::uuid',
      [id, at, revision],
    );
  }

  async tombstone(id: string, revision: number, now: number): Promise<boolean> {
    const { rowCount } = await this.q.query(
      'UPDATE pricing_promotions SET deleted = true, revision = $2, updated_at = $3 WHERE id = $1::uuid AND NOT deleted',
      [id, revision, now],
    );
    return rowCount > 0;
  }
}
