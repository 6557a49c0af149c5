import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { AnalyticsHarness } from './analytics-harness.js';

/**
 * The four analytics figures (issue #20) as head office reads them, on a small catalog computed by hand:
 *
 *   electronics (Electronics)            seasons (Seasons)       sale (Sale)
 *     mobile (Mobile)                      summer (Summer)         gifts (Gift ideas: never used)
 *       smartphones (Smartphones)                                  clearance (Clearance: given, later taken off)
 *     audio (Audio)                                                retired (Retired: a tombstone)
 *
 *   P1 smartphones summer · P2 smartphones sale · P3 mobile summer · P4 audio summer · P5 audio · P6 sale
 *
 * Closures: Electronics {P1–P5} 5, Mobile {P1,P2,P3} 3, Seasons = Summer {P1,P3,P4} 3, Audio {P4,P5} 2,
 * Sale {P2,P6} 2, Smartphones {P1,P2} 2.
 *
 * Uses by day (D = today; added counts only the tag given, not its ancestors; removals are not uses):
 *   D-20 clearance given to P5 (outside both weeks)     D-14 5 searches of mobile (outside: the window is D-13…D)
 *   D-13 1 search of sale        D-10 P1 smartphones summer, P2 smartphones, P3 mobile (added)
 *   D-8  3 searches of smartphones, 1 of electronics     D-7 1 search of audio (last week's last day)
 *   D-6  1 search of audio (this week's first day)      D-3 clearance taken off P5
 *   D-2  P2 sale, P3 summer, P4 audio summer, P5 audio, P6 sale (added)
 *   D    2 searches of "summer and audio", 2 of electronics
 */
describe.each(dbTargets)('tag analytics on $name', (target) => {
  let h: AnalyticsHarness;
  const D = AnalyticsHarness.realToday();

  beforeAll(async () => {
    h = await AnalyticsHarness.start(target);
    h.at(D - 21);
    await h.products(['P1', 'P2', 'P3', 'P4', 'P5', 'P6']);
    await h.tag('electronics', 'Electronics');
    await h.tag('mobile', 'Mobile', 'electronics');
    await h.tag('smartphones', 'Smartphones', 'mobile');
    await h.tag('audio', 'Audio', 'electronics');
    await h.tag('seasons', 'Seasons');
    await h.tag('summer', 'Summer', 'seasons');
    await h.tag('sale', 'Sale');
    await h.tag('gifts', 'Gift ideas');
    await h.tag('clearance', 'Clearance');
    await h.tag('retired', 'Retired', null, true);
    h.at(D - 20);
    await h.write(['P5'], 'ADD', ['clearance']);
    h.at(D - 14);
    await h.searched(['mobile'], 5);
    h.at(D - 13);
    await h.searched(['sale']);
    h.at(D - 10);
    await h.write(['P1'], 'ADD', ['smartphones', 'summer']);
    await h.write(['P2'], 'ADD', ['smartphones']);
    await h.write(['P3'], 'ADD', ['mobile']);
    h.at(D - 8);
    await h.searched(['smartphones'], 3);
    await h.searched(['electronics']);
    h.at(D - 7);
    await h.searched(['audio']);
    h.at(D - 6);
    await h.searched(['audio']);
    h.at(D - 3);
    await h.write(['P5'], 'REMOVE', ['clearance']);
    h.at(D - 2);
    await h.write(['P2', 'P6'], 'ADD', ['sale']);
    await h.write(['P3'], 'ADD', ['summer']);
    await h.write(['P4'], 'ADD', ['audio', 'summer']);
    await h.write(['P5'], 'ADD', ['audio']);
    h.at(D);
    await h.searched(['summer', 'audio', 'summer'], 2);
    await h.searched(['electronics'], 2);
    await h.indexReady();
  }, 300_000);

  afterAll(async () => {
    await h?.stop();
  });

  type Row = { tag: { slug: string; products: number | null } } & Record<string, unknown>;
  const slugs = (rows: Row[]) => rows.map((r) => r.tag.slug);

  it('most used: products with the tag or a descendant, most first, ties by name, tags on none left out', async () => {
    const all = await h.get('/api/tags/analytics/most-used');
    expect(all.status).toBe(200);
    expect(all.body.map((r: Row) => [r.tag.slug, r.products])).toEqual([
      ['electronics', 5],
      ['mobile', 3],
      ['seasons', 3],
      ['summer', 3],
      ['audio', 2],
      ['sale', 2],
      ['smartphones', 2],
    ]);
    expect(all.body[0].tag).toMatchObject({ name: 'Electronics', path: 'electronics', products: 5, ownProducts: 0 });
    const top = await h.get('/api/tags/analytics/most-used?limit=2');
    expect(slugs(top.body)).toEqual(['electronics', 'mobile']);
  });

  it('trending: uses this week (D-6…D) against last week (D-13…D-7), biggest rise first, ties by name', async () => {
    h.at(D);
    const r = await h.get('/api/tags/analytics/trending');
    expect(r.status).toBe(200);
    expect(r.body.map((x: Row) => [x.tag.slug, x.thisWeek, x.lastWeek, x.change])).toEqual([
      ['audio', 5, 1, { ratio: 5, difference: 4, percent: 400 }],
      ['summer', 4, 1, { ratio: 4, difference: 3, percent: 300 }],
      ['electronics', 2, 1, { ratio: 2, difference: 1, percent: 100 }],
      ['sale', 2, 1, { ratio: 2, difference: 1, percent: 100 }],
      ['mobile', 0, 1, { ratio: 0, difference: -1, percent: -100 }],
      ['smartphones', 0, 5, { ratio: 0, difference: -5, percent: -100 }],
    ]);
    const top = await h.get('/api/tags/analytics/trending?limit=3');
    expect(slugs(top.body)).toEqual(['audio', 'summer', 'electronics']);
  });

  it('trending a week later: this week is empty, last week is what was this week; a tag new this week has no ratio', async () => {
    h.at(D + 7);
    const later = await h.get('/api/tags/analytics/trending');
    expect(later.body.map((x: Row) => [x.tag.slug, x.thisWeek, x.lastWeek, x.change])).toEqual([
      ['electronics', 0, 2, { ratio: 0, difference: -2, percent: -100 }],
      ['sale', 0, 2, { ratio: 0, difference: -2, percent: -100 }],
      ['summer', 0, 4, { ratio: 0, difference: -4, percent: -100 }],
      ['audio', 0, 5, { ratio: 0, difference: -5, percent: -100 }],
    ]);
    await h.searched(['gifts'], 3);
    const fresh = await h.get('/api/tags/analytics/trending?limit=1');
    expect(fresh.body).toMatchObject([
      { tag: { slug: 'gifts' }, thisWeek: 3, lastWeek: 0, change: { ratio: null, difference: 3, percent: null } },
    ]);
    h.at(D);
  });

  it('unused: live tags on no product, never used first, then the longest ago; a tombstone is not listed', async () => {
    h.at(D);
    const r = await h.get('/api/tags/analytics/unused');
    expect(r.status).toBe(200);
    expect(r.body.map((x: Row) => [x.tag.slug, x.lastUsedOn, x.daysSinceLastUse, x.lastUse])).toEqual([
      ['gifts', null, null, 'never'],
      ['clearance', new Date((D - 3) * 86_400_000).toISOString().slice(0, 10), 3, '3 days ago'],
    ]);
    expect(r.body[0].tag).toMatchObject({ name: 'Gift ideas', products: 0, ownProducts: 0 });
  });

  it('co-occurrence: the tags on the same products, with the share of the asked tag’s products', async () => {
    const summer = await h.get(`/api/tags/analytics/co-occurrence?tag=${h.ids.summer}`);
    expect(summer.status).toBe(200);
    expect(summer.body.map((x: Row) => [x.tag.slug, x.together, x.share])).toEqual([
      ['electronics', 3, 1],
      ['mobile', 2, 0.6667],
      ['audio', 1, 0.3333],
      ['smartphones', 1, 0.3333],
    ]);
    const mobile = await h.get(`/api/tags/analytics/co-occurrence?tag=${h.ids.mobile}&limit=2`);
    expect(mobile.body.map((x: Row) => [x.tag.slug, x.together, x.share])).toEqual([
      ['seasons', 2, 0.6667],
      ['summer', 2, 0.6667],
    ]);
  });

  it('co-occurrence with family=true also lists the tag’s ancestors and descendants', async () => {
    const summer = await h.get(`/api/tags/analytics/co-occurrence?tag=${h.ids.summer}&family=true`);
    expect(summer.body.map((x: Row) => [x.tag.slug, x.together])).toEqual([
      ['electronics', 3],
      ['seasons', 3],
      ['mobile', 2],
      ['audio', 1],
      ['smartphones', 1],
    ]);
    const mobile = await h.get(`/api/tags/analytics/co-occurrence?tag=${h.ids.mobile}&family=true`);
    expect(mobile.body.map((x: Row) => [x.tag.slug, x.together])).toEqual([
      ['electronics', 3],
      ['seasons', 2],
      ['smartphones', 2],
      ['summer', 2],
      ['sale', 1],
    ]);
  });

  it('co-occurrence of a tag on no product is empty; of an unknown or deleted tag a 404', async () => {
    const gifts = await h.get(`/api/tags/analytics/co-occurrence?tag=${h.ids.gifts}`);
    expect(gifts.status).toBe(200);
    expect(gifts.body).toEqual([]);
    for (const id of [h.ids.retired, 999_999]) {
      const r = await h.get(`/api/tags/analytics/co-occurrence?tag=${id}`);
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body.detail).toBe(`tag ${id} not found`);
    }
  });
});
