import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { dayOf } from '../analytics-repository.js';
import { AnalyticsHarness } from './analytics-harness.js';

/**
 * The analytics routes (issue #20) as callers meet them: head office only, strict query strings answered with a
 * problem+json that says what was wrong, and searches through the API counted per tag and written by the hub's own
 * periodic flush (no flush called by the test).
 */
const ROUTES = [
  '/api/tags/analytics/most-used',
  '/api/tags/analytics/trending',
  '/api/tags/analytics/unused',
  '/api/tags/analytics/co-occurrence',
];
const PASSWORD = 'a long enough password 123';

describe.each(dbTargets)('tag analytics routes on $name', (target) => {
  let h: AnalyticsHarness;
  let store: { token: string };
  let associate: string;

  const statsOf = async (slug: string) => {
    const { rows } = await h.ctx.db.query<{ day: number; added: number; searched: number }>(
      'SELECT day, added, searched FROM tag_daily_stats WHERE tag_id = $1 ORDER BY day',
      [h.ids[slug]],
    );
    return rows.map((r) => ({ day: Number(r.day), added: Number(r.added), searched: Number(r.searched) }));
  };

  beforeAll(async () => {
    h = await AnalyticsHarness.start(target);
    // the hub's clock at noon UTC of today, before anything is written: the file's uses, searches and per-caller day
    // all fall on one day, however late the run (a run across midnight UTC read one day's row, then wrote the next's)
    h.at(AnalyticsHarness.realToday());
    const admin = await h.admin();
    const s = await h.t.store('TAGS-A', admin);
    store = s;
    await h.t.hub.auth.createUser({
      email: 'associate@tags.test',
      name: 'Associate',
      role: 'ASSOCIATE',
      storeId: s.id as never,
      password: PASSWORD,
    });
    associate = await h.t.login('associate@tags.test', PASSWORD);
    await h.products(['Q1', 'Q2', 'Q3']);
    await h.tag('electronics', 'Electronics');
    await h.tag('audio', 'Audio', 'electronics');
    await h.tag('summer', 'Summer');
    await h.write(['Q1', 'Q2'], 'ADD', ['audio']);
    await h.write(['Q2', 'Q3'], 'ADD', ['summer']);
    await h.indexReady();
  }, 300_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('a search through the API is counted for each tag it names and written by the hub within a few seconds', async () => {
    const today = dayOf(h.ctx.now());
    const r = await h.get(`/api/tags/search?q=${encodeURIComponent('tag:summer AND path:electronics.audio')}`, {
      bearer: store.token,
    });
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(1);
    const written = await waitFor(
      'the searches of summer and audio in tag_daily_stats',
      async () => {
        const [summer, audio] = [await statsOf('summer'), await statsOf('audio')];
        return summer[0]?.searched === 1 && audio[0]?.searched === 1 ? { summer, audio } : false;
      },
      30_000,
    );
    expect(written).toEqual({
      summer: [{ day: today, added: 2, searched: 1 }],
      audio: [{ day: today, added: 2, searched: 1 }],
    });
    expect(await statsOf('electronics')).toEqual([]);
    const trending = await h.get('/api/tags/analytics/trending');
    expect(trending.body.map((x: { tag: { slug: string }; thisWeek: number }) => [x.tag.slug, x.thisWeek])).toEqual([
      ['audio', 3],
      ['summer', 3],
    ]);
  });

  it('a caller searching a tag again the same day is counted once; another caller is counted', async () => {
    const before = (await statsOf('audio'))[0]?.searched ?? 0;
    const q = `/api/tags/search?q=${encodeURIComponent('path:electronics.audio')}`;
    expect((await h.get(q, { cookie: associate })).status).toBe(200);
    expect((await h.get(q, { cookie: associate })).status).toBe(200);
    await h.parts.analytics.searches.flush();
    expect((await statsOf('audio'))[0]?.searched).toBe(before + 1);
    expect((await h.get(q, { cookie: await h.admin() })).status).toBe(200);
    await h.parts.analytics.searches.flush();
    expect((await statsOf('audio'))[0]?.searched).toBe(before + 2);
  });

  it('searches of a tag id that does not exist are dropped, and the rest are written', async () => {
    const before = (await statsOf('summer'))[0]?.searched ?? 0;
    h.parts.analytics.searched([999_999, h.ids.summer!]);
    await h.parts.analytics.searches.flush();
    expect((await statsOf('summer'))[0]?.searched).toBe(before + 1);
    const { rows } = await h.ctx.db.query('SELECT 1 FROM tag_daily_stats WHERE tag_id = 999999');
    expect(rows).toEqual([]);
  });

  it('only head office: nobody signed in gets 401, a store’s people and nodes 403', async () => {
    for (const path of ROUTES) {
      const q = path.endsWith('co-occurrence') ? `${path}?tag=${h.ids.audio}` : path;
      const anon = await h.get(q, {});
      expect([path, anon.status]).toEqual([path, 401]);
      for (const who of [{ bearer: store.token }, { cookie: associate }]) {
        const r = await h.get(q, who);
        expect([path, r.status]).toEqual([path, 403]);
        expect(r.headers.get('content-type')).toContain('application/problem+json');
      }
      expect((await h.get(q)).status).toBe(200);
    }
  });

  it('bad query strings: 400 problem+json naming what was wrong', async () => {
    const co = '/api/tags/analytics/co-occurrence';
    const cases: [string, string][] = [
      ['/api/tags/analytics/most-used?limit=0', 'limit: at least 1'],
      ['/api/tags/analytics/most-used?limit=201', 'limit: at most 200'],
      ['/api/tags/analytics/trending?limit=abc', 'limit: a whole number from 1 to 200'],
      ['/api/tags/analytics/trending?limit=-1', 'limit: a whole number from 1 to 200'],
      ['/api/tags/analytics/trending?limit=1&limit=2', 'limit:'],
      ['/api/tags/analytics/trending?limit=1%00', 'the URL contains a NUL character'],
      ['/api/tags/analytics/unused?limit=1001', 'limit: at most 1000'],
      ['/api/tags/analytics/unused?since=3', 'Unrecognized key'],
      [co, 'tag:'],
      [`${co}?tag=audio`, "tag: a tag's id (a whole number, as GET /api/tags lists them)"],
      [`${co}?tag=99999999999999999999`, 'tag:'],
      [`${co}?tag=${h.ids.audio}&family=yes`, 'family: true or false'],
      [`${co}?tag=${h.ids.audio}&limit=500`, 'limit: at most 200'],
    ];
    for (const [path, said] of cases) {
      const r = await h.get(path);
      expect([path, r.status]).toEqual([path, 400]);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body.detail).toContain(said);
    }
  });

  it('a write with an Idempotency-Key to a read-only analytics path is refused and changes nothing', async () => {
    const before = await statsOf('audio');
    const r = await h.t.call(
      'POST',
      '/api/tags/analytics/trending',
      { limit: 1 },
      {
        cookie: await h.admin(),
        idempotencyKey: randomUUID(),
      },
    );
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(await statsOf('audio')).toEqual(before);
  });
});
