import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { type BulkHub, bulkHub, chunkGate } from './support-bulk.js';

const BATCH = 50;
const finished = (j: { state: string }) => ['DONE', 'CANCELLED', 'FAILED'].includes(j.state);

describe.each(dbTargets)('tag bulk jobs by list ($name)', (target) => {
  let h: BulkHub;
  let skus: string[];
  let sale: number;
  let clearance: number;

  beforeAll(async () => {
    h = await bulkHub(target, BATCH);
    skus = await h.products('LIST', 2_000);
    sale = await h.tag('sale');
    clearance = await h.tag('clearance');
  }, 300_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('adds a tag to a few thousand products, and reports exactly the unknown skus', { timeout: 120_000 }, async () => {
    const unknown = ['NOPE-1', 'NOPE-2', 'NOPE-3'];
    const sent = [...skus.slice(0, 1_000), unknown[0]!, ...skus.slice(1_000), unknown[1]!, unknown[2]!];
    const made = await h.call('POST', '/api/tags/bulk-jobs', { action: 'ADD', tagIds: [sale], skus: sent });
    expect(made.status).toBe(202);
    expect(made.body).toMatchObject({ action: 'ADD', selection: { skus: sent.length }, total: sent.length });
    expect(made.body.tags.map((t: { slug: string }) => t.slug)).toEqual(['sale']);
    const job = await h.until(made.body.id, 'the list job to finish', finished);
    expect(job).toMatchObject({ state: 'DONE', total: 2_003, done: 2_000, failed: 3, percent: 100, etaSeconds: 0 });
    expect(job.startedAt).toBeGreaterThanOrEqual(job.createdAt);
    expect(job.finishedAt).toBeGreaterThanOrEqual(job.startedAt);
    const report = await h.call('GET', `/api/tags/bulk-jobs/${job.id}/failures`);
    expect(report.status).toBe(200);
    expect(report.body.items.map((i: { sku: string }) => i.sku)).toEqual(unknown);
    expect(report.body.items[0].reason).toMatch(/not in the catalog/);
    const tags = await h.tagsOf(skus);
    expect([...tags.values()].filter((t) => t.includes(sale))).toHaveLength(2_000);
    // the runner's own record of the run says the same, in words a person reads
    const run = await h.t.hub.jobs.get(
      (await h.t.hub.db.query<{ run_id: string }>('SELECT run_id FROM tag_bulk_jobs WHERE id = $1', [job.id])).rows[0]!
        .run_id,
    );
    expect(run?.progress?.message).toMatch(/^2,003 of 2,003 products \(100 %\), 3 refused/);
    const list = await h.call('GET', '/api/tags/bulk-jobs');
    expect(list.body.items[0].id).toBe(job.id);
  });

  it('shows progress, rate and ETA midway, and cancels after the current chunk; retry finishes the rest', {
    timeout: 120_000,
  }, async () => {
    const gate = chunkGate(h.parts, 10);
    try {
      const made = await h.call('POST', '/api/tags/bulk-jobs', { action: 'ADD', tagIds: [clearance], skus });
      expect(made.status).toBe(202);
      await gate.reached;
      const midway = await h.call('GET', `/api/tags/bulk-jobs/${made.body.id}`);
      expect(midway.body).toMatchObject({ state: 'RUNNING', total: 2_000, done: 10 * BATCH, failed: 0, percent: 25 });
      expect(midway.body.ratePerSecond).toBeGreaterThan(0);
      expect(midway.body.etaSeconds).toBeGreaterThan(0);
      const cancel = await h.call('POST', `/api/tags/bulk-jobs/${made.body.id}/cancel`, {});
      expect(cancel.status).toBe(200);
      expect(cancel.body.state).toBe('CANCELLING');
      gate.open();
      const job = await h.until(made.body.id, 'the job to stop', finished);
      expect(job.state).toBe('CANCELLED');
      expect(job.done).toBeLessThan(job.total);
      // exactly the first `done` products changed (the list's order, chunk by chunk)
      const tags = await h.tagsOf(skus);
      const tagged = skus.filter((s) => tags.get(s)?.includes(clearance));
      expect(tagged).toEqual(skus.slice(0, job.done));
      // a second cancel answers the job as it is
      expect((await h.call('POST', `/api/tags/bulk-jobs/${job.id}/cancel`)).body.state).toBe('CANCELLED');

      gate.clear();
      const retry = await h.call('POST', `/api/tags/bulk-jobs/${job.id}/retry`, {});
      expect(retry.status).toBe(202);
      const again = await h.until(job.id, 'the retried job to finish', finished);
      expect(again).toMatchObject({ state: 'DONE', total: 2_000, done: 2_000, failed: 0, lastError: null });
      const after = await h.tagsOf(skus);
      expect(skus.filter((s) => after.get(s)?.includes(clearance))).toHaveLength(2_000);
      expect((await h.call('POST', `/api/tags/bulk-jobs/${job.id}/retry`)).status).toBe(409);
      expect((await h.call('POST', `/api/tags/bulk-jobs/${job.id}/cancel`)).status).toBe(409);
    } finally {
      gate.open();
      gate.clear();
    }
  });

  it('takes a long list in parts (more: true, then skus, then start) and REMOVEs', { timeout: 120_000 }, async () => {
    const made = await h.call('POST', '/api/tags/bulk-jobs', {
      action: 'REMOVE',
      tagIds: [sale],
      skus: skus.slice(0, 700),
      more: true,
    });
    expect(made.status).toBe(202);
    expect(made.body).toMatchObject({ state: 'PREPARING', total: 700 });
    const more = await h.call('POST', `/api/tags/bulk-jobs/${made.body.id}/skus`, { skus: skus.slice(700, 1_200) });
    expect(more.body).toMatchObject({ state: 'PREPARING', total: 1_200, selection: { skus: 1_200 } });
    const started = await h.call('POST', `/api/tags/bulk-jobs/${made.body.id}/start`, {});
    expect(started.status).toBe(202);
    const job = await h.until(made.body.id, 'the removal to finish', finished);
    expect(job).toMatchObject({ state: 'DONE', done: 1_200, failed: 0 });
    const tags = await h.tagsOf(skus);
    expect(skus.filter((s) => tags.get(s)?.includes(sale))).toEqual(skus.slice(1_200));
    const late = await h.call('POST', `/api/tags/bulk-jobs/${made.body.id}/skus`, { skus: ['LIST-00001'] });
    expect(late.status).toBe(409);
  });

  it('refuses bad input with a problem and makes no job', { timeout: 60_000 }, async () => {
    const count = async () =>
      Number((await h.t.hub.db.query<{ n: string }>('SELECT count(*)::text AS n FROM tag_bulk_jobs')).rows[0]!.n);
    const before = await count();
    const bad: [unknown, number, RegExp?][] = [
      [{ action: 'ADD', tagIds: [999_999], skus: ['LIST-00001'] }, 422, /no such tag: 999999/],
      [{ action: 'ADD', tagIds: [sale], skus: ['LIST-00001'], query: 'tag:sale' }, 422, /exactly one of query/],
      [{ action: 'ADD', tagIds: [sale] }, 422, /exactly one of query/],
      [{ action: 'ADD', tagIds: [sale], skus: Array.from({ length: 10_001 }, (_, i) => `S-${i}`) }, 400, /10,000/],
      [{ action: 'ADD', tagIds: [sale], skus: ['BAD\u0000SKU'] }, 400],
      [{ action: 'ADD', tagIds: [sale], query: 'sale\u0000' }, 400],
      [{ action: 'ADD', tagIds: [sale], query: 'tag:sale AND' }, 422, /expected a tag after AND/],
      [{ action: 'TWIRL', tagIds: [sale], skus: ['LIST-00001'] }, 400],
      [{ action: 'ADD', tagIds: ['1'], skus: ['LIST-00001'] }, 400],
      [{ action: 'ADD', tagIds: [sale], skus: [] }, 400],
      [{ action: 'ADD', tagIds: [sale], skus: ['LIST-00001'], extra: 1 }, 400],
      [[], 400],
    ];
    for (const [body, status, message] of bad) {
      const r = await h.call('POST', '/api/tags/bulk-jobs', body);
      expect(r.status, JSON.stringify(body).slice(0, 200)).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      if (message) expect(r.body.detail ?? r.body.title).toMatch(message);
    }
    const parse = await h.call('POST', '/api/tags/bulk-jobs', { action: 'ADD', tagIds: [sale], query: 'tag:sale AND' });
    expect(parse.body).toMatchObject({ position: 12 });
    expect(parse.body.caret).toContain('^');
    const raw = await h.t.call('POST', '/api/tags/bulk-jobs', undefined, {
      cookie: h.admin,
      rawBody: '{"action": "ADD", "tagIds": [',
    });
    expect(raw.status).toBe(400);
    expect(await count()).toBe(before);
    for (const path of ['/api/tags/bulk-jobs/not-a-uuid', '/api/tags/bulk-jobs/0190f0f0-0000-7000-8000-000000000000']) {
      const r = await h.call('GET', path);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    const store = await h.t.call('GET', '/api/tags/bulk-jobs');
    expect(store.status).toBe(401);
  });
});
