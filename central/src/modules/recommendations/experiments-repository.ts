import type { Db, Queryable } from '../../db/db.js';
import type { RecsSurface, Variant, VariantWeights } from './types.js';

/** One list served, as recorded for the A/B test. */
export interface Impression {
  readonly id: string;
  readonly variant: string;
  readonly surface: RecsSurface;
  readonly customerId: string | null;
  readonly sessionId: string | null;
  readonly storeId: string | null;
  readonly skus: readonly string[];
  readonly at: number;
  /** The caller it was served to (`store:<id>`, `user:<id>`): only that caller's click counts. */
  readonly servedTo?: string | null;
}

/** A click counts only this long after its list was served. */
export const CLICK_WINDOW_MS = 24 * 3_600_000;

/** What a click found: counted (the impression's first), already counted before, or why it cannot count. */
export type ClickOutcome = 'counted' | 'already' | 'unknown-impression' | 'not-shown';

interface VariantRow {
  name: string;
  description: string;
  weights: VariantWeights | string;
  state: 'RUNNING' | 'STOPPED';
  impressions: number;
  clicks: number;
  created_at: number;
  stopped_at: number | null;
  stopped_by: string | null;
}

function variantOf(r: VariantRow): Variant {
  return {
    name: r.name,
    description: r.description,
    weights: typeof r.weights === 'string' ? (JSON.parse(r.weights) as VariantWeights) : r.weights,
    state: r.state,
    impressions: Number(r.impressions),
    clicks: Number(r.clicks),
    createdAt: Number(r.created_at),
    stoppedAt: r.stopped_at === null ? null : Number(r.stopped_at),
    stoppedBy: r.stopped_by,
  };
}

const COLUMNS = 'name, description, weights, state, impressions, clicks, created_at, stopped_at, stopped_by';

/** All SQL of the A/B test: variants, their counters, impressions and clicks. */
export class ExperimentsRepository {
  constructor(private readonly db: Db) {}

  /** Writes `variants` when the table has none (two hubs starting together: the second inserts nothing). */
  async seedIfEmpty(
    variants: readonly { name: string; description: string; weights: VariantWeights }[],
    now: number,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO recs_variants (name, description, weights, state, created_at)
       SELECT name, description, weights::jsonb, 'RUNNING', $4
         FROM unnest($1::text[], $2::text[], $3::text[]) AS v(name, description, weights)
        WHERE NOT EXISTS (SELECT 1 FROM recs_variants)
       ON CONFLICT (name) DO NOTHING`,
      [
        variants.map((v) => v.name),
        variants.map((v) => v.description),
        variants.map((v) => JSON.stringify(v.weights)),
        now,
      ],
    );
  }

  async list(): Promise<Variant[]> {
    const { rows } = await this.db.query<VariantRow>(`SELECT ${COLUMNS} FROM recs_variants ORDER BY created_at, name`);
    return rows.map(variantOf);
  }

  async running(): Promise<Variant[]> {
    const { rows } = await this.db.query<VariantRow>(
      `SELECT ${COLUMNS} FROM recs_variants WHERE state = 'RUNNING' ORDER BY name`,
    );
    return rows.map(variantOf);
  }

  /** Adds a RUNNING variant; null when the name is taken. */
  async create(
    v: { name: string; description: string; weights: VariantWeights },
    now: number,
  ): Promise<Variant | null> {
    const { rows } = await this.db.query<VariantRow>(
      `INSERT INTO recs_variants (name, description, weights, state, created_at)
       VALUES ($1, $2, $3::jsonb, 'RUNNING', $4)
       ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
      [v.name, v.description, JSON.stringify(v.weights), now],
    );
    return rows[0] ? variantOf(rows[0]) : null;
  }

  /**
   * Stops or starts a variant. Stopping locks every RUNNING row first, so two hubs stopping the last two variants at
   * once are serialised and the second sees it would leave none: 'last' then, nothing changed. 'missing' for no such
   * variant.
   */
  async setState(
    name: string,
    state: 'RUNNING' | 'STOPPED',
    by: string | null,
    now: number,
  ): Promise<Variant | 'missing' | 'last'> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ name: string; state: string }>(
        `SELECT name, state FROM recs_variants WHERE state = 'RUNNING' OR name = $1 ORDER BY name FOR UPDATE`,
        [name],
      );
      const target = rows.find((r) => r.name === name);
      if (!target) return 'missing';
      if (state === 'STOPPED' && target.state === 'RUNNING' && rows.filter((r) => r.state === 'RUNNING').length <= 1)
        return 'last';
      const { rows: changed } =
        state === 'STOPPED'
          ? await tx.query<VariantRow>(
              `UPDATE recs_variants
                  SET state = 'STOPPED', stopped_at = COALESCE(stopped_at, $2), stopped_by = COALESCE(stopped_by, $3)
                WHERE name = $1 RETURNING ${COLUMNS}`,
              [name, now, by],
            )
          : await tx.query<VariantRow>(
              `UPDATE recs_variants SET state = 'RUNNING', stopped_at = NULL, stopped_by = NULL
                WHERE name = $1 RETURNING ${COLUMNS}`,
              [name],
            );
      return variantOf(changed[0]!);
    });
  }

  /** Records served lists and adds them to their variants' counters, in one statement (an id recorded twice counts once). */
  async recordImpressions(q: Queryable, list: readonly Impression[]): Promise<void> {
    if (list.length === 0) return;
    await q.query(
      `WITH ins AS (
         INSERT INTO recs_impressions (id, variant, surface, customer_id, session_id, store_id, skus, at, served_to)
         SELECT id, variant, surface, customer_id, session_id, store_id, skus::jsonb, at, served_to
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[],
                       $9::text[])
             AS t(id, variant, surface, customer_id, session_id, store_id, skus, at, served_to)
         ON CONFLICT (id) DO NOTHING
         RETURNING variant)
       UPDATE recs_variants v SET impressions = v.impressions + c.n
         FROM (SELECT variant, count(*) AS n FROM ins GROUP BY variant) c
        WHERE v.name = c.variant`,
      [
        list.map((i) => i.id),
        list.map((i) => i.variant),
        list.map((i) => i.surface),
        list.map((i) => i.customerId),
        list.map((i) => i.sessionId),
        list.map((i) => i.storeId),
        list.map((i) => JSON.stringify(i.skus)),
        list.map((i) => i.at),
        list.map((i) => i.servedTo ?? null),
      ],
    );
  }

  /**
   * A click on `sku` of impression `id`: the impression's first click is recorded and counted for its variant in one
   * statement (the `clicked_at IS NULL` condition makes a second click, on any hub, count nothing). A list served to
   * another caller, or more than CLICK_WINDOW_MS ago, is unknown to `caller`.
   */
  async click(id: string, sku: string, now: number, caller: string): Promise<ClickOutcome> {
    const { rows } = await this.db.query<{ skus: unknown }>(
      'SELECT skus FROM recs_impressions WHERE id = $1 AND served_to = $2 AND at >= $3',
      [id, caller, now - CLICK_WINDOW_MS],
    );
    if (!rows[0]) return 'unknown-impression';
    const raw = rows[0].skus;
    const skus = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
    if (!Array.isArray(skus) || !skus.includes(sku)) return 'not-shown';
    const { rowCount } = await this.db.query(
      `WITH c AS (
         UPDATE recs_impressions SET clicked_sku = $2, clicked_at = $3 WHERE id = $1 AND clicked_at IS NULL
         RETURNING variant)
       UPDATE recs_variants v SET clicks = v.clicks + 1 FROM c WHERE v.name = c.variant`,
      [id, sku, now],
    );
    return rowCount > 0 ? 'counted' : 'already';
  }
}
