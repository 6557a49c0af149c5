import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { pushImage, registryHub } from './registry-test-support.js';

const BASE = 'base layer: the same bytes in both images '.repeat(200);

describe.each(dbTargets)('registry console routes on $name', (target) => {
  const h = registryHub(target);

  it('lists repositories with their sizes, a repository with its tags, and what dedup saves', async () => {
    const { t, admin } = h;
    const app = await pushImage(t, admin, 'shop/app', 'v1', [BASE, 'app layer one']);
    const tool = await pushImage(t, admin, 'shop/tool', 'latest', [BASE, 'tool layer']);
    await pushImage(t, admin, 'other/thing', '1.0', ['thing layer']);

    const appBytes = app.blobs.reduce((n, b) => n + b.size, 0) + app.size;
    const list = await t.call('GET', '/api/registry/repositories?q=shop/', undefined, { cookie: admin });
    expect(list.status).toBe(200);
    expect(list.body.items.map((r: { name: string }) => r.name)).toEqual(['shop/app', 'shop/tool']);
    expect(list.body.items[0]).toMatchObject({
      name: 'shop/app',
      tags: 1,
      manifests: 1,
      bytes: appBytes,
      quotaBytes: null,
      blockSeverity: null,
    });
    expect(list.body.next).toBeNull();

    // paged: one a page, the next page after the last name
    const p1 = await t.call('GET', '/api/registry/repositories?limit=1', undefined, { cookie: admin });
    expect(p1.body.items.map((r: { name: string }) => r.name)).toEqual(['other/thing']);
    expect(p1.body.next).toBe('other/thing');
    const p2 = await t.call('GET', `/api/registry/repositories?limit=1&after=${p1.body.next}`, undefined, {
      cookie: admin,
    });
    expect(p2.body.items.map((r: { name: string }) => r.name)).toEqual(['shop/app']);

    const one = await t.call('GET', `/api/registry/repositories/${encodeURIComponent('shop/app')}`, undefined, {
      cookie: admin,
    });
    expect(one.status).toBe(200);
    expect(one.body.name).toBe('shop/app');
    expect(one.body.tagList).toHaveLength(1);
    expect(one.body.tagList[0]).toMatchObject({ tag: 'v1', digest: app.digest, size: appBytes });
    expect(typeof one.body.tagList[0].pushedAt).toBe('number');

    const stats = await t.call('GET', '/api/registry/stats', undefined, { cookie: admin });
    expect(stats.status).toBe(200);
    const baseSize = Buffer.byteLength(BASE);
    // the base layer is linked twice and stored once
    expect(stats.body.pushedBytes - stats.body.storedBytes).toBe(baseSize);
    expect(stats.body.savedBytes).toBe(baseSize);
    expect(stats.body.dedupRatio).toBeGreaterThan(1);
    expect(stats.body.repositories).toBe(3);
    expect(stats.body.links).toBe(stats.body.blobs + 1);
    expect(tool.blobs.some((b) => app.blobs.some((a) => a.digest === b.digest))).toBe(true);
  });

  it('sets a quota and a pull policy; bad input changes nothing; an unknown repository is a 404', async () => {
    const { t, admin } = h;
    await pushImage(t, admin, 'shop/quota', 'v1', ['quota layer']);
    const path = `/api/registry/repositories/${encodeURIComponent('shop/quota')}`;
    const set = await t.call('PATCH', path, { quotaBytes: 1_000_000, blockSeverity: 'CRITICAL' }, { cookie: admin });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ name: 'shop/quota', quotaBytes: 1_000_000, blockSeverity: 'CRITICAL' });

    for (const bad of [
      { quotaBytes: -1 },
      { quotaBytes: 1.5 },
      { blockSeverity: 'SEVERE' },
      {},
      { quotaBytes: 5, extra: true },
      { quotaBytes: '5' },
    ]) {
      const res = await t.call('PATCH', path, bad, { cookie: admin });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    const after = await t.call('GET', path, undefined, { cookie: admin });
    expect(after.body).toMatchObject({ quotaBytes: 1_000_000, blockSeverity: 'CRITICAL' });

    const clear = await t.call('PATCH', path, { quotaBytes: null }, { cookie: admin });
    expect(clear.body).toMatchObject({ quotaBytes: null, blockSeverity: 'CRITICAL' });

    for (const name of ['nobody/here', 'Bad Name', '..%2F..']) {
      const res = await t.call(
        'PATCH',
        `/api/registry/repositories/${encodeURIComponent(name)}`,
        { quotaBytes: 1 },
        {
          cookie: admin,
        },
      );
      expect(res.status, name).toBe(404);
      const get = await t.call('GET', `/api/registry/repositories/${encodeURIComponent(name)}`, undefined, {
        cookie: admin,
      });
      expect(get.status, name).toBe(404);
    }
    const badList = await t.call('GET', '/api/registry/repositories?limit=0', undefined, { cookie: admin });
    expect(badList.status).toBe(400);
  });

  it('says this hub mirrors nothing, and refuses a run (409)', async () => {
    const { t, admin } = h;
    const m = await t.call('GET', '/api/registry/mirror', undefined, { cookie: admin });
    expect(m.status).toBe(200);
    expect(m.body).toMatchObject({ configured: false, source: null, running: false, runs: [], tags: [] });
    const run = await t.call('POST', '/api/registry/mirror/runs', {}, { cookie: admin });
    expect(run.status).toBe(409);
  });

  it('keeps the routes to head office', async () => {
    const { t, admin } = h;
    const store = await t.store('CON1', admin);
    for (const [method, path] of [
      ['GET', '/api/registry/repositories'],
      ['GET', '/api/registry/stats'],
      ['GET', '/api/registry/mirror'],
      ['POST', '/api/registry/mirror/runs'],
    ] as const) {
      expect((await t.call(method, path, method === 'POST' ? {} : undefined)).status).toBe(401);
      expect((await t.call(method, path, method === 'POST' ? {} : undefined, { bearer: store.token })).status).toBe(
        403,
      );
    }
  });
});
