import type { Queryable } from '../../db/db.js';
import type { Candidate, ModelRun, ModelState, NeighbourKind } from './types.js';

/** One interaction as training reads it (the id is the page's cursor). */
export interface InteractionRow {
  readonly id: number;
  readonly customerId: string | null;
  readonly sku: string;
  readonly kind: 'VIEW' | 'CART_ADD' | 'PURCHASE';
  readonly storeId: string | null;
}

interface ModelRowDb {
  version: number;
  state: ModelState;
  started_at: number;
  finished_at: number | null;
  summary: Record<string, unknown>;
  error: string | null;
}
const toRun = (r: ModelRowDb): ModelRun => ({
  version: Number(r.version),
  state: r.state,
  startedAt: Number(r.started_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  summary: r.summary ?? {},
  error: r.error,
});

/** How many models keep their candidate rows (the active one and the two before it, to compare or fall back). */
export const MODELS_KEPT = 3;

/**
 * All SQL of the models and their precomputed candidates (recs_models, recs_customer_candidates,
 * recs_product_neighbours, recs_popular) and training's reads of recs_interactions. Postgres and PGlite run the
 * same text. Writes go in batches through unnest, one statement per batch.
 */
export class ModelRepository {
  constructor(private readonly q: Queryable) {}

  /** Serialises the start of training runs (one TRAINING row at a time across hubs) until commit. */
  async lockTraining(): Promise<void> {
    await this.q.query("SELECT pg_advisory_xact_lock(hashtext('recs_training'))");
  }

  /**
   * Marks FAILED the TRAINING runs not heard of since `staleBefore` (their process died or was stopped without
   * finishing), so no run stays TRAINING forever. Returns their versions.
   */
  async failStale(staleBefore: number, now: number): Promise<number[]> {
    const { rows } = await this.q.query<{ version: number }>(
      `UPDATE recs_models SET state = 'FAILED', finished_at = $2,
         error = 'the run stopped without finishing (its hub stopped or died)'
       WHERE state = 'TRAINING' AND coalesce((summary->>'aliveAt')::bigint, started_at) < $1
       RETURNING version`,
      [staleBefore, now],
    );
    return rows.map((r) => Number(r.version));
  }

  /** A TRAINING run still alive, if any. */
  async training(): Promise<ModelRun | undefined> {
    const { rows } = await this.q.query<ModelRowDb>(
      `SELECT version, state, started_at, finished_at, summary, error FROM recs_models WHERE state = 'TRAINING'
       ORDER BY version DESC LIMIT 1`,
    );
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  async begin(now: number): Promise<number> {
    const { rows } = await this.q.query<{ version: number }>(
      `INSERT INTO recs_models (state, started_at, summary) VALUES ('TRAINING', $1, jsonb_build_object('aliveAt', $1::bigint))
       RETURNING version`,
      [now],
    );
    return Number(rows[0]!.version);
  }

  /** Says the run is alive (and where it is), so `failStale` leaves it alone. False when it is no longer TRAINING. */
  async heartbeat(version: number, now: number, phase: string): Promise<boolean> {
    const { rowCount } = await this.q.query(
      `UPDATE recs_models SET summary = summary || jsonb_build_object('aliveAt', $2::bigint, 'phase', $3::text)
       WHERE version = $1 AND state = 'TRAINING'`,
      [version, now, phase],
    );
    return rowCount > 0;
  }

  async fail(version: number, now: number, error: string, summary: Record<string, unknown>): Promise<void> {
    await this.q.query(
      `UPDATE recs_models SET state = 'FAILED', finished_at = $2, error = $3, summary = summary || $4::jsonb
       WHERE version = $1 AND state = 'TRAINING'`,
      [version, now, error.slice(0, 2_000), JSON.stringify(summary)],
    );
  }

  /**
   * Makes `version` the ACTIVE model (the old one RETIRED) in the caller's transaction. False when the run is no
   * longer TRAINING (marked FAILED as stale meanwhile): nothing changed.
   */
  async activate(version: number, now: number, summary: Record<string, unknown>): Promise<boolean> {
    await this.q.query("SELECT version FROM recs_models WHERE state IN ('ACTIVE', 'TRAINING') FOR UPDATE");
    const { rows } = await this.q.query<{ state: ModelState }>('SELECT state FROM recs_models WHERE version = $1', [
      version,
    ]);
    if (rows[0]?.state !== 'TRAINING') return false;
    await this.q.query(
      `UPDATE recs_models SET state = 'RETIRED', summary = summary || jsonb_build_object('retiredAt', $1::bigint)
       WHERE state = 'ACTIVE'`,
      [now],
    );
    await this.q.query(
      `UPDATE recs_models SET state = 'ACTIVE', finished_at = $2, summary = (summary - 'aliveAt' - 'phase') || $3::jsonb
       WHERE version = $1`,
      [version, now, JSON.stringify(summary)],
    );
    return true;
  }

  /** Adds figures to a run's summary (the stores fed after it became active). */
  async addSummary(version: number, figures: Record<string, unknown>): Promise<void> {
    await this.q.query('UPDATE recs_models SET summary = summary || $2::jsonb WHERE version = $1', [
      version,
      JSON.stringify(figures),
    ]);
  }

  /**
   * Deletes the candidates of every model but the newest `MODELS_KEPT` that served (ACTIVE or RETIRED) and any run
   * still TRAINING; FAILED runs' partial rows go too. The runs themselves stay listed.
   */
  async prune(): Promise<void> {
    const keep = `SELECT version FROM recs_models WHERE state = 'TRAINING'
      UNION (SELECT version FROM recs_models WHERE state IN ('ACTIVE', 'RETIRED') ORDER BY version DESC LIMIT ${MODELS_KEPT})`;
    for (const table of ['recs_customer_candidates', 'recs_product_neighbours', 'recs_popular'])
      await this.q.query(`DELETE FROM ${table} WHERE model_version NOT IN (${keep})`);
  }

  /** The run's rows of a failed or abandoned run (its partial candidates). */
  async dropRows(version: number): Promise<void> {
    for (const table of ['recs_customer_candidates', 'recs_product_neighbours', 'recs_popular'])
      await this.q.query(`DELETE FROM ${table} WHERE model_version = $1`, [version]);
  }

  async active(): Promise<ModelRun | undefined> {
    const { rows } = await this.q.query<ModelRowDb>(
      `SELECT version, state, started_at, finished_at, summary, error FROM recs_models WHERE state = 'ACTIVE'`,
    );
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  async run(version: number): Promise<ModelRun | undefined> {
    const { rows } = await this.q.query<ModelRowDb>(
      'SELECT version, state, started_at, finished_at, summary, error FROM recs_models WHERE version = $1',
      [version],
    );
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  /** The newest runs first. */
  async runs(limit: number): Promise<ModelRun[]> {
    const { rows } = await this.q.query<ModelRowDb>(
      `SELECT version, state, started_at, finished_at, summary, error FROM recs_models ORDER BY version DESC LIMIT $1`,
      [limit],
    );
    return rows.map(toRun);
  }

  async newestVersion(): Promise<number> {
    const { rows } = await this.q.query<{ v: number | null }>('SELECT max(version) AS v FROM recs_models');
    return Number(rows[0]?.v ?? 0);
  }

  /**
   * Where a run reading at most `cap` interactions (at `since` or later) starts: the id just before the `cap`-th newest,
   * or null when there are no more than `cap` (the run reads them all).
   */
  async capStart(since: number, cap: number): Promise<number | null> {
    const { rows } = await this.q.query<{ id: number }>(
      'SELECT id FROM recs_interactions WHERE at >= $1 ORDER BY id DESC OFFSET $2 LIMIT 1',
      [since, cap],
    );
    return rows[0] ? Number(rows[0].id) : null;
  }

  /** A page of interactions after id `after` (at `since` or later), oldest id first. */
  async interactionsAfter(after: number, since: number, limit: number): Promise<InteractionRow[]> {
    const { rows } = await this.q.query<{
      id: number;
      customer_id: string | null;
      sku: string;
      kind: InteractionRow['kind'];
      store_id: string | null;
    }>(
      `SELECT id, customer_id, sku, kind, store_id FROM recs_interactions WHERE id > $1 AND at >= $2
       ORDER BY id LIMIT $3`,
      [after, since, limit],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      customerId: r.customer_id,
      sku: r.sku,
      kind: r.kind,
      storeId: r.store_id,
    }));
  }

  async insertCustomerCandidates(
    version: number,
    rows: readonly { customerId: string; items: readonly Candidate[] }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.q.query(
      `INSERT INTO recs_customer_candidates (model_version, customer_id, items)
       SELECT $1, c, i FROM unnest($2::text[], $3::jsonb[]) AS x(c, i)`,
      [version, rows.map((r) => r.customerId), rows.map((r) => JSON.stringify(r.items))],
    );
  }

  async insertNeighbours(
    version: number,
    rows: readonly { sku: string; kind: NeighbourKind; items: readonly Candidate[] }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.q.query(
      `INSERT INTO recs_product_neighbours (model_version, sku, kind, items)
       SELECT $1, s, k, i FROM unnest($2::text[], $3::text[], $4::jsonb[]) AS x(s, k, i)`,
      [version, rows.map((r) => r.sku), rows.map((r) => r.kind), rows.map((r) => JSON.stringify(r.items))],
    );
  }

  async insertPopular(version: number, rows: readonly { scope: string; items: readonly Candidate[] }[]): Promise<void> {
    if (rows.length === 0) return;
    await this.q.query(
      `INSERT INTO recs_popular (model_version, scope, items) SELECT $1, s, i FROM unnest($2::text[], $3::jsonb[]) AS x(s, i)`,
      [version, rows.map((r) => r.scope), rows.map((r) => JSON.stringify(r.items))],
    );
  }

  /** The popular lists of `scopes` in model `version`. */
  async popular(version: number, scopes: readonly string[]): Promise<Map<string, Candidate[]>> {
    const { rows } = await this.q.query<{ scope: string; items: Candidate[] }>(
      'SELECT scope, items FROM recs_popular WHERE model_version = $1 AND scope = ANY($2::text[])',
      [version, scopes],
    );
    return new Map(rows.map((r) => [r.scope, r.items]));
  }

  /** The `kind` neighbours of `skus` in model `version`. */
  async neighbours(version: number, kind: NeighbourKind, skus: readonly string[]): Promise<Map<string, Candidate[]>> {
    if (skus.length === 0) return new Map();
    const { rows } = await this.q.query<{ sku: string; items: Candidate[] }>(
      'SELECT sku, items FROM recs_product_neighbours WHERE model_version = $1 AND kind = $2 AND sku = ANY($3::text[])',
      [version, kind, skus],
    );
    return new Map(rows.map((r) => [r.sku, r.items]));
  }

  async customerCandidates(version: number, customerId: string): Promise<Candidate[] | undefined> {
    const { rows } = await this.q.query<{ items: Candidate[] }>(
      'SELECT items FROM recs_customer_candidates WHERE model_version = $1 AND customer_id = $2',
      [version, customerId],
    );
    return rows[0]?.items;
  }

  /**
   * A page of the hub's stores (ids after `after`, in id order). `locations` is the hub's own table of stores (fleet),
   * not another module's: the kernel has no port for it, and the feed writer's broadcast and booking read it the same
   * way.
   */
  async storesAfter(after: string | null, limit: number): Promise<string[]> {
    const { rows } = await this.q.query<{ id: string }>(
      `SELECT id::text AS id FROM locations WHERE kind = 'STORE' AND ($1::text IS NULL OR id::text > $1)
       ORDER BY id::text LIMIT $2`,
      [after, limit],
    );
    return rows.map((r) => r.id);
  }

  async storeExists(storeId: string): Promise<boolean> {
    const { rows } = await this.q.query(`SELECT 1 FROM locations WHERE kind = 'STORE' AND id::text = $1`, [storeId]);
    return rows.length > 0;
  }
}
