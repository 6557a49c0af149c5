import { OCI_MEDIA_TYPES } from '@storefleet/shared';
import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import {
  digestOf,
  imageIndex,
  imageManifest,
  manifestBytes,
  pushBlob,
  pushImage,
  pushManifest,
  registryHub,
  v2,
} from './registry-test-support.js';

const PROBLEM = 'application/problem+json';

describe.each(dbTargets)('registry manifests over /v2 ($name)', (target) => {
  const h = registryHub(target);
  const manifestCount = async (repo: string) =>
    Number(
      (
        await h.t.hub.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM registry_manifests WHERE repository = $1',
          [repo],
        )
      ).rows[0]!.n,
    );

  it('pushes an image by tag and pulls the exact bytes by tag and by digest, HEAD with the same headers', async () => {
    const img = await pushImage(h.t, h.admin, 'team/app', 'v1', ['layer one', 'layer two']);
    expect(img.digest).toBe(digestOf(img.body));

    const put = await v2(h.t, 'PUT', '/v2/team/app/manifests/v1', {
      cookie: h.admin,
      body: img.body,
      contentType: OCI_MEDIA_TYPES.imageManifest,
    });
    expect(put.status).toBe(201);
    expect(put.headers.get('location')).toBe(`/v2/team/app/manifests/${img.digest}`);
    expect(put.headers.get('docker-content-digest')).toBe(img.digest);
    expect(put.headers.get('oci-subject')).toBeNull();

    for (const ref of ['v1', img.digest]) {
      const got = await v2(h.t, 'GET', `/v2/team/app/manifests/${ref}`, { cookie: h.admin });
      expect(got.status).toBe(200);
      expect(got.bytes.equals(img.body)).toBe(true);
      expect(got.headers.get('content-type')).toBe(OCI_MEDIA_TYPES.imageManifest);
      expect(got.headers.get('docker-content-digest')).toBe(img.digest);
      expect(got.headers.get('content-length')).toBe(String(img.body.length));
      const head = await v2(h.t, 'HEAD', `/v2/team/app/manifests/${ref}`, { cookie: h.admin });
      expect(head.status).toBe(200);
      expect(head.bytes.length).toBe(0);
      expect(head.headers.get('docker-content-digest')).toBe(img.digest);
      expect(head.headers.get('content-length')).toBe(String(img.body.length));
      expect(head.headers.get('content-type')).toBe(OCI_MEDIA_TYPES.imageManifest);
    }
  });

  it('keeps Docker schema 2 manifests and manifest lists byte for byte, with their own media types', async () => {
    const repo = 'team/docker';
    const config = Buffer.from('{"architecture":"arm64","os":"linux"}');
    const layer = Buffer.from('docker layer bytes');
    const cd = await pushBlob(h.t, h.admin, repo, config);
    const ld = await pushBlob(h.t, h.admin, repo, layer);
    // odd spacing and key order on purpose: the registry must answer these bytes, not a re-serialisation
    const body = Buffer.from(
      `{\n   "schemaVersion": 2,\n\t"mediaType": "${OCI_MEDIA_TYPES.dockerManifest}",\n  "config": {"size": ${config.length}, "digest": "${cd}", "mediaType": "application/vnd.docker.container.image.v1+json"},\n  "layers": [ {"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":${layer.length},"digest":"${ld}"} ]\n}   \n`,
    );
    const put = await v2(h.t, 'PUT', `/v2/${repo}/manifests/arm`, {
      cookie: h.admin,
      body,
      contentType: OCI_MEDIA_TYPES.dockerManifest,
    });
    expect(put.status).toBe(201);
    expect(put.headers.get('docker-content-digest')).toBe(digestOf(body));

    const list = imageIndex(
      [{ digest: digestOf(body), size: body.length, platform: { os: 'linux', architecture: 'arm64' } }],
      OCI_MEDIA_TYPES.dockerManifestList,
    );
    const listDigest = await pushManifest(h.t, h.admin, repo, 'latest', list, OCI_MEDIA_TYPES.dockerManifestList);
    for (const [ref, bytes, type] of [
      ['arm', body, OCI_MEDIA_TYPES.dockerManifest],
      ['latest', manifestBytes(list), OCI_MEDIA_TYPES.dockerManifestList],
      [listDigest, manifestBytes(list), OCI_MEDIA_TYPES.dockerManifestList],
    ] as const) {
      const got = await v2(h.t, 'GET', `/v2/${repo}/manifests/${ref}`, { cookie: h.admin });
      expect(got.status).toBe(200);
      expect(got.bytes.equals(bytes)).toBe(true);
      expect(got.headers.get('content-type')).toBe(type);
    }
  });

  it('stores an image index of two platform manifests once both are in the repository, and sizes the release', async () => {
    const repo = 'releases/multi';
    const amd = await pushImage(h.t, h.admin, repo, 'amd64', ['amd64 base', 'shared layer']);
    const arm = await pushImage(h.t, h.admin, repo, 'arm64', ['arm64 base', 'shared layer']);
    const index = imageIndex([
      { digest: amd.digest, size: amd.size, platform: { os: 'linux', architecture: 'amd64' } },
      { digest: arm.digest, size: arm.size, platform: { os: 'linux', architecture: 'arm64' } },
    ]);
    const indexDigest = await pushManifest(h.t, h.admin, repo, '1.0', index, OCI_MEDIA_TYPES.imageIndex);
    const got = await v2(h.t, 'GET', `/v2/${repo}/manifests/1.0`, { cookie: h.admin });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe(OCI_MEDIA_TYPES.imageIndex);
    expect(got.json.manifests.map((m: { digest: string }) => m.digest)).toEqual([amd.digest, arm.digest]);

    // what a store downloads: the index, both platforms, and every blob once (the shared layer counted once)
    const blobs = new Map([...amd.blobs, ...arm.blobs].map((b) => [b.digest, b.size]));
    const expected = manifestBytes(index).length + amd.size + arm.size + [...blobs.values()].reduce((a, b) => a + b);
    expect(await h.parts.manifests.resolve(repo, '1.0')).toEqual({
      digest: indexDigest,
      mediaType: OCI_MEDIA_TYPES.imageIndex,
      size: expected,
    });
    expect(await h.parts.manifests.resolve(repo, 'nope')).toBeNull();

    // an index naming a manifest this repository does not hold (only another one does) changes nothing
    const elsewhere = await pushImage(h.t, h.admin, 'team/other', 'x', ['other layer']);
    const before = await manifestCount(repo);
    const bad = await v2(h.t, 'PUT', `/v2/${repo}/manifests/2.0`, {
      cookie: h.admin,
      body: manifestBytes(imageIndex([{ digest: amd.digest, size: amd.size }, elsewhere])),
      contentType: OCI_MEDIA_TYPES.imageIndex,
    });
    expect(bad.status).toBe(404);
    expect(bad.headers.get('content-type')).toContain(PROBLEM);
    expect(bad.json.errors[0].code).toBe('MANIFEST_BLOB_UNKNOWN');
    expect(bad.json.errors[0].detail.manifests).toEqual([elsewhere.digest]);
    expect(await manifestCount(repo)).toBe(before);
    expect((await v2(h.t, 'GET', `/v2/${repo}/manifests/2.0`, { cookie: h.admin })).status).toBe(404);
  });

  it('refuses a manifest naming a blob the repository does not link, listing it, and stores nothing', async () => {
    const repo = 'team/missing';
    const config = await pushBlob(h.t, h.admin, repo, 'config of missing');
    const onlyElsewhere = await pushBlob(h.t, h.admin, 'team/elsewhere', 'a layer of another repository');
    const never = digestOf('never pushed');
    const res = await v2(h.t, 'PUT', `/v2/${repo}/manifests/v1`, {
      cookie: h.admin,
      body: manifestBytes(
        imageManifest({
          config: { digest: config, size: 17 },
          layers: [
            { digest: onlyElsewhere, size: 29 },
            { digest: never, size: 12 },
          ],
        }),
      ),
      contentType: OCI_MEDIA_TYPES.imageManifest,
    });
    expect(res.status).toBe(404);
    expect(res.json.errors[0].code).toBe('MANIFEST_BLOB_UNKNOWN');
    expect(res.json.errors[0].detail.blobs.sort()).toEqual([onlyElsewhere, never].sort());
    expect(res.json.errors[0].message).toContain(never);
    expect(await manifestCount(repo)).toBe(0);
    const tags = await v2(h.t, 'GET', `/v2/${repo}/tags/list`, { cookie: h.admin });
    expect(tags.json.tags).toEqual([]);
  });

  it('answers bad manifests with the spec’s codes, saying what is wrong, and changes nothing', async () => {
    const repo = 'team/bad';
    const img = await pushImage(h.t, h.admin, repo, 'good', ['bad repo layer']);
    const good = JSON.parse(img.body.toString());
    const put = (body: Buffer | string, contentType: string = OCI_MEDIA_TYPES.imageManifest, ref = 'bad') =>
      v2(h.t, 'PUT', `/v2/${repo}/manifests/${ref}`, { cookie: h.admin, body, contentType });
    const cases: [string, Awaited<ReturnType<typeof put>>, number, string, RegExp][] = [
      ['not JSON', await put('{"schemaVersion": 2,'), 400, 'MANIFEST_INVALID', /not JSON/],
      ['an array', await put('[1,2]'), 400, 'MANIFEST_INVALID', /JSON object/],
      ['schema 1', await put(JSON.stringify({ ...good, schemaVersion: 1 })), 400, 'MANIFEST_INVALID', /schemaVersion/],
      [
        'a bad layer digest',
        await put(JSON.stringify({ ...good, layers: [{ ...good.layers[0], digest: 'sha256:xyz' }] })),
        400,
        'MANIFEST_INVALID',
        /layers\[0\]\.digest/,
      ],
      [
        'a negative size',
        await put(JSON.stringify({ ...good, config: { ...good.config, size: -1 } })),
        400,
        'MANIFEST_INVALID',
        /config\.size/,
      ],
      [
        'no config',
        await put(JSON.stringify({ ...good, config: undefined })),
        400,
        'MANIFEST_INVALID',
        /config must be a descriptor/,
      ],
      [
        'a body type other than the header',
        await put(img.body, OCI_MEDIA_TYPES.dockerManifest),
        400,
        'MANIFEST_INVALID',
        /mediaType/,
      ],
      [
        'Docker schema 1',
        await put(img.body, 'application/vnd.docker.distribution.manifest.v1+prettyjws'),
        415,
        'UNSUPPORTED',
        /Content-Type/,
      ],
      ['no content type', await put(img.body, 'application/octet-stream'), 415, 'UNSUPPORTED', /Content-Type/],
      [
        'a digest that is not the bytes’',
        await put(img.body, OCI_MEDIA_TYPES.imageManifest, digestOf('other bytes')),
        400,
        'DIGEST_INVALID',
        /digest/,
      ],
      [
        'an unsupported digest',
        await put(img.body, OCI_MEDIA_TYPES.imageManifest, `sha512:${'a'.repeat(128)}`),
        400,
        'DIGEST_INVALID',
        /sha256/,
      ],
      ['a tag the spec refuses', await put(img.body, undefined, '-dash'), 400, 'MANIFEST_INVALID', /tag/],
    ];
    for (const [what, res, status, code, message] of cases) {
      expect(res.status, what).toBe(status);
      expect(res.headers.get('content-type'), what).toContain(PROBLEM);
      expect(res.json.errors[0].code, what).toBe(code);
      expect(res.json.errors[0].message, what).toMatch(message);
    }
    const huge = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
    const streamed = () =>
      fetch(`${h.t.url}/v2/${repo}/manifests/streamed`, {
        method: 'PUT',
        headers: { cookie: h.admin, 'content-type': OCI_MEDIA_TYPES.imageManifest },
        body: new ReadableStream({
          start(c) {
            for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(1024 * 1024).fill(0x20));
            c.close();
          },
        }),
        duplex: 'half',
      } as RequestInit).then(async (r) => ({ status: r.status, json: await r.json() }));
    for (const tooBig of [await put(huge).catch((err: Error) => err), await streamed().catch((err: Error) => err)]) {
      // the hub answers 413 and closes the connection without reading the rest; the client may see a reset instead
      if (!(tooBig instanceof Error)) {
        expect(tooBig.status).toBe(413);
        expect(tooBig.json.errors[0].code).toBe('MANIFEST_INVALID');
      }
    }
    expect(await manifestCount(repo)).toBe(1);
    const tags = await v2(h.t, 'GET', `/v2/${repo}/tags/list`, { cookie: h.admin });
    expect(tags.json.tags).toEqual(['good']);
    // the hub still answers after all of it
    expect((await v2(h.t, 'GET', `/v2/${repo}/manifests/good`, { cookie: h.admin })).status).toBe(200);
  });

  it('answers unknown manifests MANIFEST_UNKNOWN and unknown repositories NAME_UNKNOWN', async () => {
    await pushImage(h.t, h.admin, 'team/known', 'v1', ['known layer']);
    const cases: [string, string, string, number][] = [
      ['GET', '/v2/team/known/manifests/v2', 'MANIFEST_UNKNOWN', 404],
      ['GET', `/v2/team/known/manifests/${digestOf('nothing')}`, 'MANIFEST_UNKNOWN', 404],
      ['DELETE', '/v2/team/known/manifests/v2', 'MANIFEST_UNKNOWN', 404],
      ['DELETE', `/v2/team/known/manifests/${digestOf('nothing')}`, 'MANIFEST_UNKNOWN', 404],
      ['GET', '/v2/team/unknown/manifests/v1', 'NAME_UNKNOWN', 404],
      ['GET', '/v2/team/unknown/tags/list', 'NAME_UNKNOWN', 404],
    ];
    for (const [method, path, code, status] of cases) {
      const res = await v2(h.t, method, path, { cookie: h.admin });
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(res.json.errors[0].code, `${method} ${path}`).toBe(code);
    }
    const head = await v2(h.t, 'HEAD', '/v2/team/known/manifests/v2', { cookie: h.admin });
    expect(head.status).toBe(404);
    expect(head.bytes.length).toBe(0);
  });

  it('DELETE by tag removes the tag only; DELETE by digest removes the manifest and every tag of it', async () => {
    const repo = 'team/deletes';
    const img = await pushImage(h.t, h.admin, repo, 'a', ['delete layer']);
    await pushManifest(h.t, h.admin, repo, 'b', JSON.parse(img.body.toString()));
    await pushManifest(h.t, h.admin, repo, 'c', JSON.parse(img.body.toString()));

    const byTag = await v2(h.t, 'DELETE', `/v2/${repo}/manifests/a`, { cookie: h.admin });
    expect(byTag.status).toBe(202);
    expect((await v2(h.t, 'GET', `/v2/${repo}/manifests/a`, { cookie: h.admin })).status).toBe(404);
    expect((await v2(h.t, 'GET', `/v2/${repo}/manifests/${img.digest}`, { cookie: h.admin })).status).toBe(200);
    expect((await v2(h.t, 'GET', `/v2/${repo}/tags/list`, { cookie: h.admin })).json.tags).toEqual(['b', 'c']);

    const byDigest = await v2(h.t, 'DELETE', `/v2/${repo}/manifests/${img.digest}`, { cookie: h.admin });
    expect(byDigest.status).toBe(202);
    for (const ref of ['b', 'c', img.digest])
      expect((await v2(h.t, 'GET', `/v2/${repo}/manifests/${ref}`, { cookie: h.admin })).status).toBe(404);
    expect((await v2(h.t, 'GET', `/v2/${repo}/tags/list`, { cookie: h.admin })).json.tags).toEqual([]);
    const refs = await h.t.hub.db.query('SELECT 1 FROM registry_manifest_refs WHERE repository = $1', [repo]);
    expect(refs.rows).toEqual([]);
  });

  it('moves a tag to a new manifest when pushed again, and refuses a manifest past the repository’s quota', async () => {
    const repo = 'team/quota';
    const first = await pushImage(h.t, h.admin, repo, 'latest', ['first']);
    const second = await pushImage(h.t, h.admin, repo, 'latest', ['second']);
    const got = await v2(h.t, 'GET', `/v2/${repo}/manifests/latest`, { cookie: h.admin });
    expect(got.headers.get('docker-content-digest')).toBe(second.digest);
    expect((await v2(h.t, 'GET', `/v2/${repo}/manifests/${first.digest}`, { cookie: h.admin })).status).toBe(200);

    const config = await pushBlob(h.t, h.admin, repo, 'quota config');
    await h.t.hub.db.query('UPDATE registry_repositories SET quota_bytes = 1 WHERE name = $1', [repo]);
    const over = await v2(h.t, 'PUT', `/v2/${repo}/manifests/over`, {
      cookie: h.admin,
      body: manifestBytes(imageManifest({ config: { digest: config, size: 12 }, layers: [] })),
      contentType: OCI_MEDIA_TYPES.imageManifest,
    });
    expect(over.status).toBe(403);
    expect(over.json.errors[0].code).toBe('QUOTA_EXCEEDED');
    expect((await v2(h.t, 'GET', `/v2/${repo}/manifests/over`, { cookie: h.admin })).status).toBe(404);
    // a manifest already stored takes no more bytes: pushing it again under a new tag is let through
    const again = await v2(h.t, 'PUT', `/v2/${repo}/manifests/again`, {
      cookie: h.admin,
      body: second.body,
      contentType: OCI_MEDIA_TYPES.imageManifest,
    });
    expect(again.status).toBe(201);
  });

  it('refuses a pull the repository’s scan policy blocks with 403 DENIED and the reason; other pulls go on', async () => {
    const repo = 'team/scanned';
    const bad = await pushImage(h.t, h.admin, repo, 'bad', ['vulnerable layer']);
    const fine = await pushImage(h.t, h.admin, repo, 'fine', ['patched layer']);
    // the push asked for a scan: let it settle, then give the bad image a critical finding
    await waitFor(
      'the push’s scan to settle',
      async () => {
        const { rows } = await h.t.hub.db.query<{ state: string }>(
          'SELECT state FROM registry_scans WHERE digest = $1',
          [bad.digest],
        );
        return rows[0] && rows[0].state !== 'PENDING';
      },
      60_000,
    );
    const report = {
      generatedAt: new Date(0).toISOString(),
      scanner: { name: 'test', vendor: 'test', version: '1' },
      severity: 'CRITICAL',
      vulnerabilities: [
        { id: 'CVE-2026-0001', package: 'openssl', version: '1.0', severity: 'CRITICAL', description: 'bad' },
      ],
    };
    await h.t.hub.db.query(
      `UPDATE registry_scans SET state = 'DONE', critical = 1, high = 0, medium = 0, low = 0, worst = 'CRITICAL',
              report = $2::jsonb WHERE digest = $1`,
      [bad.digest, JSON.stringify(report)],
    );
    expect((await v2(h.t, 'GET', `/v2/${repo}/manifests/bad`, { cookie: h.admin })).status).toBe(200);
    await h.t.hub.db.query(`UPDATE registry_repositories SET block_severity = 'CRITICAL' WHERE name = $1`, [repo]);
    for (const ref of ['bad', bad.digest]) {
      const res = await v2(h.t, 'GET', `/v2/${repo}/manifests/${ref}`, { cookie: h.admin });
      expect(res.status).toBe(403);
      expect(res.json.errors[0].code).toBe('DENIED');
      expect(res.json.errors[0].message).toContain('CVE-2026-0001');
      expect((await v2(h.t, 'HEAD', `/v2/${repo}/manifests/${ref}`, { cookie: h.admin })).status).toBe(403);
    }
    const ok = await v2(h.t, 'GET', `/v2/${repo}/manifests/fine`, { cookie: h.admin });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('docker-content-digest')).toBe(fine.digest);
  });

  it('lists repositories for head office only, sorted and paged with Link', async () => {
    const all = await v2(h.t, 'GET', '/v2/_catalog', { cookie: h.admin });
    expect(all.status).toBe(200);
    const names: string[] = all.json.repositories;
    expect(names).toContain('team/app');
    expect(names).toEqual([...names].sort());

    const pages: string[] = [];
    let path: string | null = '/v2/_catalog?n=2';
    for (let i = 0; path && i < 50; i++) {
      const page = await v2(h.t, 'GET', path, { cookie: h.admin });
      expect(page.status).toBe(200);
      expect(page.json.repositories.length).toBeLessThanOrEqual(2);
      pages.push(...page.json.repositories);
      path = /^<([^>]+)>; rel="next"$/.exec(page.headers.get('link') ?? '')?.[1] ?? null;
    }
    expect(pages).toEqual(names);
    const bad = await v2(h.t, 'GET', '/v2/_catalog?n=0', { cookie: h.admin });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain(PROBLEM);

    const store = await h.t.store('MF1', h.admin);
    const denied = await v2(h.t, 'GET', '/v2/_catalog', { bearer: store.token });
    expect(denied.status).toBe(403);
    expect(denied.json.errors[0].code).toBe('DENIED');
    expect((await v2(h.t, 'GET', '/v2/_catalog')).status).toBe(401);
  });
});
