import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { type BulkHub, bulkHub } from './support-bulk.js';

const BATCH = 50;
const finished = (j: { state: string }) => ['DONE', 'CANCELLED', 'FAILED'].includes(j.state);

describe.each(dbTargets)(
  'tag bulk jobs: a mistyped REMOVE list, and a job left queued without a run ($name)',
  (target) => {
    let h: BulkHub;
    let skus: string[];
    let summer: number;

    beforeAll(async () => {
      h = await bulkHub(target, BATCH);
      skus = await h.products('RCV', 300);
      summer = await h.tag('summer');
    }, 300_000);
    afterAll(async () => {
      await h?.stop();
    });

    it('REMOVE by list refuses skus neither in the catalog nor tagged, and counts untagged products done', {
      timeout: 120_000,
    }, async () => {
      const add = await h.call('POST', '/api/tags/bulk-jobs', {
        action: 'ADD',
        tagIds: [summer],
        skus: skus.slice(0, 100),
      });
      expect(add.status).toBe(202);
      expect(await h.until(add.body.id, 'the ADD to finish', finished)).toMatchObject({ state: 'DONE', done: 100 });

      const typos = ['RCV-0001O', 'rcv-00002'];
      const neverTagged = skus.slice(200, 220);
      const sent = [...skus.slice(0, 60), ...neverTagged, ...typos];
      const made = await h.call('POST', '/api/tags/bulk-jobs', { action: 'REMOVE', tagIds: [summer], skus: sent });
      expect(made.status).toBe(202);
      const job = await h.until(made.body.id, 'the REMOVE to finish', finished);
      expect(job).toMatchObject({ state: 'DONE', total: 82, done: 80, failed: 2 });
      const report = await h.call('GET', `/api/tags/bulk-jobs/${job.id}/failures`);
      expect(report.body.items.map((i: { sku: string }) => i.sku)).toEqual([...typos].sort());
      for (const i of report.body.items) expect(i.reason).toMatch(/not a product the catalog or the tags know/);
      const tags = await h.tagsOf(skus);
      expect(skus.filter((s) => tags.get(s)?.includes(summer))).toEqual(skus.slice(60, 100));
    });

    it('a job the hub marked QUEUED but died before enqueueing its run is given one run by the sweep, and finishes', {
      timeout: 120_000,
    }, async () => {
      const made = await h.call('POST', '/api/tags/bulk-jobs', {
        action: 'ADD',
        tagIds: [summer],
        skus: skus.slice(100, 300),
        more: true,
      });
      expect(made.status).toBe(202);
      expect(made.body.state).toBe('PREPARING');
      // what a hub killed between queueing the job and enqueueing its run leaves behind
      await h.t.hub.db.query(`UPDATE tag_bulk_jobs SET state = 'QUEUED' WHERE id = $1`, [made.body.id]);
      expect((await h.call('GET', `/api/tags/bulk-jobs/${made.body.id}`)).body).toMatchObject({
        state: 'QUEUED',
        done: 0,
      });

      // two sweeps at once (two hubs' periods) make one run
      const given = await Promise.all([h.parts.bulk.sweep(), h.parts.bulk.sweep()]);
      expect(given.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
      const job = await h.until(made.body.id, 'the swept job to finish', finished);
      expect(job).toMatchObject({ state: 'DONE', total: 200, done: 200, failed: 0 });
      const runs = await h.t.hub.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM job_runs WHERE name = 'tags.bulk' AND payload->>'jobId' = $1`,
        [made.body.id],
      );
      expect(runs.rows[0]!.n).toBe(1);
      const tags = await h.tagsOf(skus.slice(100, 300));
      expect([...tags.values()].filter((t) => t.includes(summer))).toHaveLength(200);
      // nothing left for a later sweep; and the sweep runs on its own, every period, on every hub
      expect(await h.parts.bulk.sweep()).toBe(0);
      const schedule = await h.t.hub.db.query(`SELECT 1 FROM job_schedules WHERE name = 'tags.bulk-sweep'`);
      expect(schedule.rows).toHaveLength(1);
    });
  },
);
