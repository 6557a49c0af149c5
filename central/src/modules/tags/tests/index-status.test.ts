import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TagIndex } from '../index/tag-index.js';
import { gatedDb, TagsHub, waitFor } from './support-core.js';

describe.each(dbTargets)('the index status while a rebuild runs beside a ready index ($name)', (target) => {
  let h: TagsHub;
  const SKUS = Array.from({ length: 120 }, (_, i) => `STAT-${String(i).padStart(4, '0')}`);
  beforeAll(async () => {
    h = await TagsHub.start(target);
    await h.waitReady();
    await h.catalog(SKUS);
    const t = await h.tag('status');
    await h.as('POST', '/api/tags/products', { action: 'ADD', tagIds: [t.id], skus: SKUS });
  }, 180_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('says a rebuild runs and how far it is while searches answer from the ready index', {
    timeout: 120_000,
  }, async () => {
    const { db, gate } = gatedDb(h.hub.db, false); // a first build unheld, then a rebuild held
    const index = new TagIndex({ ...h.context, db });
    try {
      await index.start();
      expect(index.status()).toMatchObject({ state: 'READY', rebuilding: false, rebuilt: null });
      gate.holding = true;
      const rebuilt = index.rebuild();
      await waitFor('the side rebuild counted', () => index.status().rebuilt !== null);
      const during = index.status();
      expect(during).toMatchObject({ state: 'READY', rebuilding: true, rebuilt: { done: 0 } });
      expect(during.rebuilt!.total).toBeGreaterThanOrEqual(SKUS.length);
      expect(index.ready()).toBe(true); // searches still answered
      gate.open();
      await rebuilt;
      expect(index.status()).toMatchObject({ state: 'READY', rebuilding: false, rebuilt: null });
    } finally {
      gate.open();
      await index.stop();
    }
  });

  it('names the hub process that answered (each replica holds its own index)', async () => {
    const status = await h.as('GET', '/api/tags/index');
    expect(status).toMatchObject({ state: 'READY', rebuilding: false, replica: `${hostname()}-${process.pid}` });
  });
});
