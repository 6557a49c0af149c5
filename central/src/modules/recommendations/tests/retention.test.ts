import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { RETENTION_BATCH, RETENTION_JOB, sweepRecsRetention } from '../retention.js';

const DAY = 24 * 3_600_000;

/** What recommendations keep is bounded: impressions 90 days, interactions 400 days, swept daily in batches. */
describe.each(dbTargets)('recommendations retention, on $name', (target) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start(target);
  }, 300_000);
  afterAll(() => t?.stop());

  it('sweeps impressions past 90 days and interactions past 400, in batches, and keeps the rest', async () => {
    const now = Date.now();
    const db = t.hub.db;
    const old = RETENTION_BATCH + 7; // more than one batch
    await db.query(
      `INSERT INTO recs_interactions (customer_id, session_id, sku, kind, store_id, source, source_ref, at)
       SELECT NULL, NULL, 'SKU', 'VIEW', NULL, 'web', 'ret-' || g, CASE WHEN g <= $1 THEN $2::bigint ELSE $3::bigint END
         FROM generate_series(1, $1 + 3) g`,
      [old, now - 401 * DAY, now - 399 * DAY],
    );
    await db.query(
      `INSERT INTO recs_impressions (id, variant, surface, skus, at)
       SELECT 'imp-' || g, 'control', 'home', '[]'::jsonb, CASE WHEN g <= 2 THEN $1::bigint ELSE $2::bigint END
         FROM generate_series(1, 5) g`,
      [now - 91 * DAY, now - 89 * DAY],
    );
    expect(await sweepRecsRetention(db, now)).toEqual({ impressions: 2, interactions: old });
    const left = await db.query<{ i: number; m: number }>(
      `SELECT (SELECT count(*) FROM recs_interactions WHERE source_ref LIKE 'ret-%')::int AS i,
              (SELECT count(*) FROM recs_impressions WHERE id LIKE 'imp-%')::int AS m`,
    );
    expect(left.rows[0]).toEqual({ i: 3, m: 3 });
    // the hub runs it daily
    const { rows } = await db.query('SELECT 1 FROM job_schedules WHERE name = $1', [RETENTION_JOB]);
    expect(rows.length).toBe(1);
  }, 300_000);
});
