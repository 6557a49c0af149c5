import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { tagsParts } from '../index.js';
import { TagIndex } from '../index/tag-index.js';
import { TagsService } from '../service.js';
import { SearchUnavailableError } from '../tag-search.js';
import { expectIndexEqualsPostgres, gatedDb, TagsHub, waitFor } from './support-core.js';

describe.each(dbTargets)('the tag index while it rebuilds, on $name', (target) => {
  let h: TagsHub;
  const SKUS = Array.from({ length: 300 }, (_, i) => `LIFE-${String(i).padStart(4, '0')}`);
  beforeAll(async () => {
    h = await TagsHub.start(target);
    await h.waitReady();
    await h.catalog(SKUS);
  }, 180_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('answers 503-worthy while rebuilding, and keeps a write made during the scan', { timeout: 120_000 }, async () => {
    const tag = await h.tag('during');
    const other = await h.tag('before');
    await h.as('POST', '/api/tags/products', { action: 'ADD', tagIds: [other.id], skus: SKUS.slice(0, 200) });
    const { db, gate } = gatedDb(h.hub.db);
    const index = new TagIndex({ ...h.context, db });
    const service = new TagsService({ ...h.context, db }, index, tagsParts(h.context).writer);
    const started = index.start();
    try {
      await waitFor('the scan under way, its total counted', () => gate.reached && index.status().rebuilt !== null);
      expect(index.status()).toMatchObject({ state: 'REBUILDING', rebuilt: { done: 0, total: 200 } });
      const refused = await service.search({ q: 'before', limit: 10 }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(SearchUnavailableError);
      expect((refused as Error).message).toBe('the tag index is rebuilding: 0 % (0 of 200 products)');
      // a write that commits while the scan reads: after the version was taken, so the catch-up applies it
      await h.as('POST', '/api/tags/products', { action: 'ADD', tagIds: [tag.id], skus: SKUS.slice(150) });
      await h.as('POST', '/api/tags/products', { action: 'REMOVE', tagIds: [other.id], skus: SKUS.slice(0, 10) });
      gate.open();
      await started;
      expect(index.status().state).toBe('READY');
      expect(index.closure(tag.id).size).toBe(150);
      expect(index.closure(other.id).size).toBe(190);
      const page = await service.search({ q: 'during AND before', limit: 500 });
      expect(page.total).toBe(50);
      expect(page.items[0]!.sku).toBe('LIFE-0150');
    } finally {
      gate.open();
      await index.stop();
    }
  });

  it('reports FAILED with the error and retries until it builds', { timeout: 120_000 }, async () => {
    const { db, gate } = gatedDb(h.hub.db);
    gate.failing = true;
    gate.open();
    const index = new TagIndex({ ...h.context, db });
    const started = index.start();
    try {
      await waitFor('the first attempt failed', () => index.status().state === 'FAILED');
      expect(index.status()).toMatchObject({ state: 'FAILED', lastError: 'the database went away' });
      await expect(index.caughtUp(0)).rejects.toThrow(
        'the tag index failed to build (the database went away); it is retrying',
      );
      gate.failing = false;
      await started;
      expect(index.status()).toMatchObject({ state: 'READY', lastError: null });
    } finally {
      await index.stop();
    }
  });

  it('serves concurrent catch-ups one at a time, each seeing its own write', { timeout: 120_000 }, async () => {
    const tags = await Promise.all(['c1', 'c2', 'c3', 'c4'].map((s) => h.tag(s)));
    await Promise.all(
      tags.map(async (t, i) => {
        await h.as('POST', '/api/tags/products', {
          action: 'ADD',
          tagIds: [t.id],
          skus: SKUS.slice(i * 20, i * 20 + 20),
        });
        expect(await h.searchAll(`tag:${t.slug}`)).toEqual(SKUS.slice(i * 20, i * 20 + 20));
      }),
    );
    await expectIndexEqualsPostgres(h);
  });
});
