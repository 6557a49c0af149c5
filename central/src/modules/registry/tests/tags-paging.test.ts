import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { pushImage, pushManifest, registryHub, v2 } from './registry-test-support.js';

describe.each(dbTargets)('registry tags/list ($name)', (target) => {
  const h = registryHub(target);
  // byte order: digits, then upper case, then '_', then lower case (not the database's collation, not numeric)
  const TAGS = ['1.10', '1.9', 'V2', '_old', 'beta', 'latest', 'v1.0.0'];
  const repo = 'team/paged';

  it('lists every tag in lexical order, across three pages of n=3 by following Link', async () => {
    const img = await pushImage(h.t, h.admin, repo, 'latest', ['paged layer']);
    const manifest = JSON.parse(img.body.toString());
    for (const tag of [...TAGS].reverse()) await pushManifest(h.t, h.admin, repo, tag, manifest);

    const all = await v2(h.t, 'GET', `/v2/${repo}/tags/list`, { cookie: h.admin });
    expect(all.status).toBe(200);
    expect(all.json).toEqual({ name: repo, tags: TAGS });
    expect(all.headers.get('link')).toBeNull();

    const pages: string[][] = [];
    const links: (string | null)[] = [];
    let path: string | null = `/v2/${repo}/tags/list?n=3`;
    for (let i = 0; path && i < 10; i++) {
      const page = await v2(h.t, 'GET', path, { cookie: h.admin });
      expect(page.status).toBe(200);
      expect(page.json.name).toBe(repo);
      pages.push(page.json.tags);
      links.push(page.headers.get('link'));
      path = /^<([^>]+)>; rel="next"$/.exec(page.headers.get('link') ?? '')?.[1] ?? null;
    }
    expect(pages).toEqual([TAGS.slice(0, 3), TAGS.slice(3, 6), TAGS.slice(6)]);
    expect(links).toEqual([
      `</v2/${repo}/tags/list?n=3&last=V2>; rel="next"`,
      `</v2/${repo}/tags/list?n=3&last=latest>; rel="next"`,
      null,
    ]);
    // `last` alone starts after it; a last past the end is an empty page
    const after = await v2(h.t, 'GET', `/v2/${repo}/tags/list?last=beta`, { cookie: h.admin });
    expect(after.json.tags).toEqual(['latest', 'v1.0.0']);
    const end = await v2(h.t, 'GET', `/v2/${repo}/tags/list?n=5&last=zzz`, { cookie: h.admin });
    expect(end.json.tags).toEqual([]);
    expect(end.headers.get('link')).toBeNull();
    // exactly n left: no Link
    const exact = await v2(h.t, 'GET', `/v2/${repo}/tags/list?n=2&last=beta`, { cookie: h.admin });
    expect(exact.json.tags).toEqual(['latest', 'v1.0.0']);
    expect(exact.headers.get('link')).toBeNull();
  });

  it('refuses a bad n with a problem, and an unknown repository with NAME_UNKNOWN', async () => {
    for (const n of ['0', '1001', 'abc', '-1', '2.5']) {
      const res = await v2(h.t, 'GET', `/v2/${repo}/tags/list?n=${n}`, { cookie: h.admin });
      expect(res.status, n).toBe(400);
      expect(res.headers.get('content-type'), n).toContain('application/problem+json');
      expect(res.json.detail, n).toMatch(/n must be/);
    }
    const unknown = await v2(h.t, 'GET', '/v2/team/never-pushed/tags/list', { cookie: h.admin });
    expect(unknown.status).toBe(404);
    expect(unknown.json.errors[0].code).toBe('NAME_UNKNOWN');
  });

  // found by the registry fuzz run (a 500 from PGlite: a text parameter cannot hold a NUL byte)
  it('refuses a last or an artifactType holding a NUL byte with a 400 in the registry’s error format', async () => {
    const paths = [
      `/v2/${repo}/tags/list?last=%00`,
      `/v2/${repo}/tags/list?n=2&last=beta%00`,
      '/v2/team/never-pushed/tags/list?last=%00',
      '/v2/_catalog?last=%00',
      '/v2/_catalog?n=1&last=team%00x',
      `/v2/${repo}/referrers/sha256:${'a'.repeat(64)}?artifactType=%00`,
    ];
    for (const path of paths) {
      const res = await v2(h.t, 'GET', path, { cookie: h.admin });
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type'), path).toContain('application/problem+json');
      expect(res.json.status, path).toBe(400);
      expect(res.json.errors?.[0]?.code, path).toMatch(/^(SIZE_INVALID|MANIFEST_INVALID)$/);
      expect(res.json.errors[0].message, path).toMatch(/NUL|control/);
    }
    // the listings still answer after it
    const all = await v2(h.t, 'GET', `/v2/${repo}/tags/list`, { cookie: h.admin });
    expect(all.json).toEqual({ name: repo, tags: TAGS });
  });

  // found by the fuzz run on Postgres: DELETE /v2/<name>/manifests/%00 answered 500 (the NUL reached the database)
  it('answers a manifest reference that is neither a tag nor a digest (a NUL) as unknown, never a 500', async () => {
    for (const method of ['GET', 'HEAD', 'DELETE'] as const)
      for (const path of [
        `/v2/${repo}/manifests/%00`,
        `/v2/${repo}/manifests/beta%00`,
        '/v2/team/unknown/manifests/%00',
      ]) {
        const res = await v2(h.t, method, path, { cookie: h.admin });
        expect(res.status, `${method} ${path}`).toBe(404);
        if (method !== 'HEAD') expect(res.json.errors?.[0]?.code, path).toMatch(/^(MANIFEST_UNKNOWN|NAME_UNKNOWN)$/);
      }
    const all = await v2(h.t, 'GET', `/v2/${repo}/tags/list`, { cookie: h.admin });
    expect(all.json).toEqual({ name: repo, tags: TAGS });
  });
});
