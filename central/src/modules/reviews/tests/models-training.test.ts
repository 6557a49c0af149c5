import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { discoverModules } from '../../../kernel/discover-modules.js';
import type { HubContext, HubModule } from '../../../kernel/module-contract.js';
import { type ReviewsParts, reviewsParts } from '../index.js';
import { FIRST_MODEL_AFTER_MS } from '../models.js';
import { ModelsRepository } from '../models-repository.js';
import { insertReview } from './review-fixture.js';

const FIXTURE = fileURLToPath(new URL('./models-fixture.csv', import.meta.url));

/**
 * The text model's versions on a hub: the first model trained from a small CSV soon after start (on the job runner),
 * `probability` answering in-process; the train route (202, 409 while one is going) making a newer ACTIVE version; a
 * run that fails (the CSV broken meanwhile) FAILED with its error while the old model keeps scoring; the moderators'
 * decisions joining the training rows.
 */
describe.each(dbTargets)('the text model on a hub ($name)', (target) => {
  let t: TestHub;
  let ctx: HubContext;
  let cookie: string;
  let dir: string;
  let csv: string;
  const parts = (): ReviewsParts => reviewsParts(ctx);
  const list = async () => (await t.call('GET', '/api/reviews/models', undefined, { cookie })).body;
  const activeOf = async () => (await list()).active as number | null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reviews-models-'));
    csv = join(dir, 'train.csv');
    copyFileSync(FIXTURE, csv);
    let caught: HubContext | undefined;
    const modules = (await discoverModules()).map((m): HubModule => {
      if (m.name !== 'reviews') return m;
      return {
        ...m,
        routes: (c) => {
          caught = c;
          return m.routes!(c);
        },
      };
    });
    t = await TestHub.start(target, { modules, reviewsTrainingCsv: csv });
    if (!caught) throw new Error('the reviews module mounted no routes');
    ctx = caught;
    cookie = await t.login();
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a hub with training data and no model trains the first one a minute after start, and probability answers', async () => {
    expect(parts().models.probability('not yet')).toBeNull();
    t.clock.offsetMs += FIRST_MODEL_AFTER_MS + 1_000;
    const version = await waitFor('the first model', activeOf, 60_000);
    // ACTIVE in the database a moment before this hub has loaded it: wait for the hub to score with it
    await waitFor('the hub scoring with it', () => parts().models.probability('x')?.version === version, 30_000);
    const p = parts().models.probability('I love this product. It is great and I will buy it again.');
    expect(p).toEqual({ p: expect.any(Number), version });
    expect(p!.p).toBeGreaterThanOrEqual(0);
    expect(p!.p).toBeLessThanOrEqual(1);
    const body = await list();
    expect(body.why).toBeNull();
    const run = body.runs.find((r: { version: number }) => r.version === version);
    expect(run).toMatchObject({ state: 'ACTIVE', error: null, finishedAt: expect.any(Number) });
    expect(run.summary).toMatchObject({ rows: 49, fromCsv: 49, fromModeration: 0, skipped: 0 });
    expect(run.summary.cv).toMatchObject({ folds: 5, accuracy: expect.any(Number), f1: expect.any(Number) });
    const c = run.summary.cv.confusion;
    expect(c.tp + c.fp + c.tn + c.fn).toBe(49);
  });

  it('POST /models/train answers 202 with the job, 409 while it is going, then lists a newer ACTIVE version', async () => {
    const before = await waitFor('a model', activeOf, 60_000);
    expect((await t.call('POST', '/api/reviews/models/train', { now: true }, { cookie })).status).toBe(400);
    const res = await t.call('POST', '/api/reviews/models/train', {}, { cookie });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ jobId: expect.any(String) });
    const again = await t.call('POST', '/api/reviews/models/train', {}, { cookie });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('problem+json');
    const after = await waitFor(
      'a newer version',
      async () => {
        const a = await activeOf();
        return a !== null && a > before ? a : undefined;
      },
      60_000,
    );
    const body = await list();
    const states = new Map(body.runs.map((r: { version: number; state: string }) => [r.version, r.state]));
    expect(states.get(after)).toBe('ACTIVE');
    expect(states.get(before)).toBe('RETIRED');
    await waitFor('the hub scoring with it', () => parts().models.probability('fine')?.version === after, 30_000);
  });

  it('a run that fails is FAILED with its error and the old model keeps scoring', async () => {
    const before = await waitFor('a model', activeOf, 60_000);
    await waitFor(
      'no run going',
      async () => !(await list()).runs.some((r: { state: string }) => r.state === 'TRAINING'),
    );
    writeFileSync(csv, 'label,text\nOR,"never closed\n');
    try {
      const res = await t.call('POST', '/api/reviews/models/train', {}, { cookie });
      expect(res.status).toBe(202);
      const failed = await waitFor(
        'the failed run',
        async () => {
          const runs = (await list()).runs as { version: number; state: string; error: string | null }[];
          return runs.find((r) => r.version > before && r.state === 'FAILED');
        },
        60_000,
      );
      expect(failed.error).toBe('line 2: a quoted field is never closed');
      expect(await activeOf()).toBe(before);
      expect(parts().models.probability('fine')?.version).toBe(before);
    } finally {
      copyFileSync(FIXTURE, csv);
    }
  });

  it("learns from moderators' last decisions on the text they judged: APPROVE → written, REJECT FAKE → generated", async () => {
    await waitFor(
      'no run going',
      async () => !(await list()).runs.some((r: { state: string }) => r.state === 'TRAINING'),
    );
    const decide = async (id: string, body: object) => {
      const r = await t.call('POST', `/api/reviews/${id}/moderation`, body, { cookie });
      expect(r.status).toBe(200);
    };
    const waiting = (title: string, body: string) => insertReview(ctx.db, { status: 'MANUAL_REVIEW', title, body });
    const approved = await waiting('Sturdy', 'Held up through a winter.');
    await decide(approved.id, { decision: 'APPROVE' });
    const fake = await waiting('Great', 'Great great great product!!');
    await decide(fake.id, { decision: 'REJECT', reason: 'FAKE' });
    const rude = await waiting('Rude', 'An insult to the staff, not about the mug.');
    await decide(rude.id, { decision: 'REJECT', reason: 'OFFENSIVE' });
    const changed = await waiting('Fine', 'Fine at first.');
    await decide(changed.id, { decision: 'APPROVE' });
    await decide(changed.id, { decision: 'REJECT', reason: 'FAKE' }); // the last decision counts
    // the poisoning repro: approved, then the author rewrites it (a new revision) and deletes it
    const poisoned = await waiting('Lovely', 'A lovely teapot, pours well.');
    await decide(poisoned.id, { decision: 'APPROVE' });
    await ctx.db.query(
      `UPDATE reviews SET title = 'POISON', body = 'ignore all previous reviews, buy now', revision = revision + 1
       WHERE id = $1`,
      [poisoned.id],
    );
    const deleted = await waiting('Gone', 'Taken down by its author.');
    await decide(deleted.id, { decision: 'APPROVE' });
    await ctx.db.query(`UPDATE reviews SET status = 'DELETED' WHERE id = $1`, [deleted.id]);
    // a decision logged before decisions kept their revision: not learned from
    const old = await insertReview(ctx.db, { status: 'APPROVED', title: 'Old', body: 'Decided long ago.' });
    await ctx.db.query(
      `INSERT INTO review_moderation_log (review_id, action, from_status, to_status, actor, at)
       VALUES ($1, 'APPROVE', 'MANUAL_REVIEW', 'APPROVED', 'admin', $2)`,
      [old.id, ctx.now()],
    );

    const rows = await new ModelsRepository(ctx.db).moderated(1_000);
    expect(rows.map((r) => [r.text, r.label]).sort()).toEqual([
      ['Fine\nFine at first.', 1],
      ['Great\nGreat great great product!!', 1],
      ['Sturdy\nHeld up through a winter.', 0],
    ]);

    // seven older retired versions with weights: after the run, the five retired last keep theirs
    for (let i = 0; i < 7; i++)
      await ctx.db.query(
        `INSERT INTO review_models (state, started_at, finished_at, weights, summary)
         VALUES ('RETIRED', 1, 2, '\\x00'::bytea, jsonb_build_object('retiredAt', $1::bigint))`,
        [1_000 + i],
      );
    const run = await parts().models.train();
    expect(run.state).toBe('ACTIVE');
    expect(run.summary).toMatchObject({ rows: 52, fromCsv: 49, fromModeration: 3 });
    const retired = (
      await ctx.db.query<{ weighted: boolean }>(
        `SELECT weights IS NOT NULL AS weighted FROM review_models WHERE state = 'RETIRED'
         ORDER BY coalesce((summary->>'retiredAt')::bigint, 0) DESC, version DESC`,
      )
    ).rows.map((r) => r.weighted);
    expect(retired.length).toBeGreaterThanOrEqual(8);
    expect(retired.slice(0, 5)).toEqual([true, true, true, true, true]);
    expect(retired.slice(5)).toEqual(retired.slice(5).map(() => false));
  });
});
