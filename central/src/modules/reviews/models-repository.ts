import type { Queryable } from '../../db/db.js';
import type { LabelledText } from './fraud/training-data.js';
import type { ModelRun } from './types.js';

interface RunRowDb {
  version: number;
  state: ModelRun['state'];
  started_at: number | string;
  finished_at: number | string | null;
  summary: Record<string, unknown> | null;
  error: string | null;
}
const RUN_COLUMNS = 'version, state, started_at, finished_at, summary, error';
const toRun = (r: RunRowDb): ModelRun => ({
  version: Number(r.version),
  state: r.state,
  startedAt: Number(r.started_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  summary: r.summary ?? {},
  error: r.error,
});

/** A stored model: its spec and bytes (the IDF and the weights, see fraud/text-model.ts). */
export interface StoredModel {
  readonly version: number;
  readonly spec: unknown;
  readonly weights: Uint8Array;
}

/**
 * All SQL of the text model's versions (`review_models`) and of the moderators' decisions training learns from.
 * At most one ACTIVE (a unique index); TRAINING → ACTIVE (the old one RETIRED) in one transaction, or FAILED.
 */
export class ModelsRepository {
  constructor(private readonly q: Queryable) {}

  /** Serialises the start of training runs across hubs until commit. */
  async lockTraining(): Promise<void> {
    await this.q.query("SELECT pg_advisory_xact_lock(hashtext('review_models_training'))");
  }

  /** Marks FAILED the TRAINING runs not heard of since `staleBefore` (their hub died); returns their versions. */
  async failStale(staleBefore: number, now: number): Promise<number[]> {
    const { rows } = await this.q.query<{ version: number }>(
      `UPDATE review_models SET state = 'FAILED', finished_at = $2,
         error = 'the run stopped without finishing (its hub stopped or died)'
       WHERE state = 'TRAINING' AND coalesce((summary->>'aliveAt')::bigint, started_at) < $1
       RETURNING version`,
      [staleBefore, now],
    );
    return rows.map((r) => Number(r.version));
  }

  async training(): Promise<ModelRun | undefined> {
    const { rows } = await this.q.query<RunRowDb>(
      `SELECT ${RUN_COLUMNS} FROM review_models WHERE state = 'TRAINING' ORDER BY version DESC LIMIT 1`,
    );
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  async begin(now: number): Promise<number> {
    const { rows } = await this.q.query<{ version: number }>(
      `INSERT INTO review_models (state, started_at, summary)
       VALUES ('TRAINING', $1, jsonb_build_object('aliveAt', $1::bigint)) RETURNING version`,
      [now],
    );
    return Number(rows[0]!.version);
  }

  async heartbeat(version: number, now: number): Promise<void> {
    await this.q.query(
      `UPDATE review_models SET summary = summary || jsonb_build_object('aliveAt', $2::bigint)
       WHERE version = $1 AND state = 'TRAINING'`,
      [version, now],
    );
  }

  async fail(version: number, now: number, error: string, summary: Record<string, unknown>): Promise<void> {
    await this.q.query(
      `UPDATE review_models SET state = 'FAILED', finished_at = $2, error = $3, summary = (summary - 'aliveAt') || $4::jsonb
       WHERE version = $1 AND state = 'TRAINING'`,
      [version, now, error.slice(0, 2_000), JSON.stringify(summary)],
    );
  }

  /**
   * Makes `version` ACTIVE with its spec, bytes and figures, the old ACTIVE one RETIRED, in the caller's transaction.
   * False when the run is no longer TRAINING (marked FAILED as stale meanwhile): nothing changed.
   */
  async activate(
    version: number,
    now: number,
    spec: unknown,
    weights: Uint8Array,
    summary: Record<string, unknown>,
  ): Promise<boolean> {
    await this.q.query("SELECT version FROM review_models WHERE state IN ('ACTIVE', 'TRAINING') FOR UPDATE");
    const { rows } = await this.q.query<{ state: string }>('SELECT state FROM review_models WHERE version = $1', [
      version,
    ]);
    if (rows[0]?.state !== 'TRAINING') return false;
    await this.q.query(
      `UPDATE review_models SET state = 'RETIRED', summary = summary || jsonb_build_object('retiredAt', $1::bigint)
       WHERE state = 'ACTIVE'`,
      [now],
    );
    await this.q.query(
      `UPDATE review_models SET state = 'ACTIVE', finished_at = $2, spec = $3::jsonb, weights = $4,
         summary = (summary - 'aliveAt') || $5::jsonb
       WHERE version = $1`,
      [
        version,
        now,
        JSON.stringify(spec),
        Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength),
        JSON.stringify(summary),
      ],
    );
    return true;
  }

  /** The newest versions first. */
  async list(limit: number): Promise<ModelRun[]> {
    const { rows } = await this.q.query<RunRowDb>(
      `SELECT ${RUN_COLUMNS} FROM review_models ORDER BY version DESC LIMIT $1`,
      [limit],
    );
    return rows.map(toRun);
  }

  async activeVersion(): Promise<number | null> {
    const { rows } = await this.q.query<{ version: number }>(
      "SELECT version FROM review_models WHERE state = 'ACTIVE'",
    );
    return rows[0] ? Number(rows[0].version) : null;
  }

  async newestVersion(): Promise<number> {
    const { rows } = await this.q.query<{ v: number | null }>('SELECT max(version) AS v FROM review_models');
    return Number(rows[0]?.v ?? 0);
  }

  /** The ACTIVE model's spec and bytes, or null when none is ACTIVE. */
  async active(): Promise<StoredModel | null> {
    const { rows } = await this.q.query<{ version: number; spec: unknown; weights: Uint8Array | null }>(
      "SELECT version, spec, weights FROM review_models WHERE state = 'ACTIVE'",
    );
    const r = rows[0];
    if (!r?.weights) return null;
    return { version: Number(r.version), spec: r.spec, weights: new Uint8Array(r.weights) };
  }

  /**
   * The moderators' decisions as labelled texts, the newest decisions first: each review's last APPROVE or REJECT in
   * the log (DISTINCT ON over the log's decisions, not a scan of reviews). APPROVE → written by a customer (0); REJECT
   * with reason FAKE → generated (1); a rejection for any other reason (offensive, off-topic, spam…) says nothing about
   * who wrote it and is left out. A decision counts only while the review still has the revision it judged (an author
   * who edits after an approval does not get the new text labelled) and while the review still stands as decided (never
   * a review its author deleted, nor one removed or re-queued since).
   */
  async moderated(limit: number): Promise<LabelledText[]> {
    const { rows } = await this.q.query<{ title: string; body: string; action: string }>(
      `SELECT r.title, r.body, d.action
       FROM (SELECT DISTINCT ON (l.review_id) l.review_id, l.action, l.reason, l.revision, l.at, l.id
             FROM review_moderation_log l
             WHERE l.action IN ('APPROVE', 'REJECT')
             ORDER BY l.review_id, l.at DESC, l.id DESC) d
       JOIN reviews r ON r.id = d.review_id AND r.revision = d.revision
       WHERE (d.action = 'APPROVE' AND r.status = 'APPROVED')
          OR (d.action = 'REJECT' AND d.reason = 'FAKE' AND r.status = 'REJECTED')
       ORDER BY d.at DESC, d.id DESC
       LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ text: `${r.title}\n${r.body}`, label: r.action === 'REJECT' ? 1 : 0 }));
  }

  /**
   * Drops the weights (and spec) of RETIRED versions but the `keep` retired last: their rows and figures stay, for
   * the runs' history. Resolves with how many were pruned.
   */
  async pruneRetired(keep: number): Promise<number> {
    const { rowCount } = await this.q.query(
      `UPDATE review_models SET weights = NULL, spec = '{}'::jsonb,
         summary = summary || jsonb_build_object('pruned', true)
       WHERE state = 'RETIRED' AND weights IS NOT NULL
         AND version NOT IN (SELECT version FROM review_models WHERE state = 'RETIRED'
                             ORDER BY coalesce((summary->>'retiredAt')::bigint, finished_at) DESC NULLS LAST,
                                      version DESC
                             LIMIT $1)`,
      [keep],
    );
    return rowCount;
  }
}
