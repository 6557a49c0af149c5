import { createHash } from 'node:crypto';
import { OCI_MEDIA_TYPES } from '@storefleet/shared';
import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import {
  digestOf,
  imageIndex,
  imageManifest,
  pushBlob,
  pushImage,
  pushManifest,
  registryHub,
  v2,
} from './registry-test-support.js';

/**
 * A DELETE by digest must not pull the floor from under what still needs the manifest: an index of the same
 * repository that names it, a release stores download. DELETE by tag stays allowed. And a push naming thousands of
 * missing blobs answers a bounded error.
 */
describe.each(dbTargets)('registry manifest deletes and refused pushes ($name)', (target) => {
  const h = registryHub(target);
  const manifestExists = async (repo: string, digest: string) =>
    (await h.t.hub.db.query('SELECT 1 FROM registry_manifests WHERE repository = $1 AND digest = $2', [repo, digest]))
      .rows.length === 1;

  it('refuses to delete a platform manifest an index names (403 DENIED naming the index) until the index is gone', async () => {
    const repo = 'team/multi-delete';
    const amd = await pushImage(h.t, h.admin, repo, 'amd64', ['amd64 layer for delete']);
    const arm = await pushImage(h.t, h.admin, repo, 'arm64', ['arm64 layer for delete']);
    const index = await pushManifest(
      h.t,
      h.admin,
      repo,
      '1.0',
      imageIndex([
        { digest: amd.digest, size: amd.size, platform: { os: 'linux', architecture: 'amd64' } },
        { digest: arm.digest, size: arm.size, platform: { os: 'linux', architecture: 'arm64' } },
      ]),
      OCI_MEDIA_TYPES.imageIndex,
    );

    const refused = await v2(h.t, 'DELETE', `/v2/${repo}/manifests/${amd.digest}`, { cookie: h.admin });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.json.errors[0].code).toBe('DENIED');
    expect(refused.json.errors[0].message).toContain(index);
    expect(refused.json.errors[0].message).toContain('delete that index');
    expect(await manifestExists(repo, amd.digest)).toBe(true);
    const pulled = await v2(h.t, 'GET', `/v2/${repo}/manifests/${amd.digest}`, { cookie: h.admin });
    expect(pulled.status).toBe(200);

    // a tag of it may go; the manifest stays for the index
    expect((await v2(h.t, 'DELETE', `/v2/${repo}/manifests/amd64`, { cookie: h.admin })).status).toBe(202);
    expect(await manifestExists(repo, amd.digest)).toBe(true);

    // the index first, then the platform manifest
    expect((await v2(h.t, 'DELETE', `/v2/${repo}/manifests/${index}`, { cookie: h.admin })).status).toBe(202);
    expect((await v2(h.t, 'DELETE', `/v2/${repo}/manifests/${amd.digest}`, { cookie: h.admin })).status).toBe(202);
    expect(await manifestExists(repo, amd.digest)).toBe(false);
  });

  it('refuses to delete a manifest a release pins until the release is withdrawn', async () => {
    const repo = 'releases/guarded';
    const img = await pushImage(h.t, h.admin, repo, 'v1', ['release layer for delete']);
    const announced = await h.t.call(
      'POST',
      '/api/registry/releases',
      { repository: repo, tag: 'v1', track: 'guarded' },
      { cookie: h.admin },
    );
    expect(announced.status).toBe(201);
    const releaseId = announced.body.id as string;

    const refused = await v2(h.t, 'DELETE', `/v2/${repo}/manifests/${img.digest}`, { cookie: h.admin });
    expect(refused.status).toBe(403);
    expect(refused.json.errors[0].code).toBe('DENIED');
    expect(refused.json.errors[0].message).toContain(releaseId);
    expect(refused.json.errors[0].message).toContain('withdraw the release first');
    expect(await manifestExists(repo, img.digest)).toBe(true);

    const withdrawn = await h.t.call('POST', `/api/registry/releases/${releaseId}/withdraw`, undefined, {
      cookie: h.admin,
    });
    expect(withdrawn.status).toBe(200);
    expect((await v2(h.t, 'DELETE', `/v2/${repo}/manifests/${img.digest}`, { cookie: h.admin })).status).toBe(202);
    expect(await manifestExists(repo, img.digest)).toBe(false);
  });

  it('answers a push naming 30,000 missing blobs with 20 of them named and the rest counted', async () => {
    const repo = 'team/many-missing';
    const config = await pushBlob(h.t, h.admin, repo, 'config of many missing');
    const layers = Array.from({ length: 30_000 }, (_, i) => ({
      digest: `sha256:${createHash('sha256').update(`missing layer ${i}`).digest('hex')}`,
      size: 1,
      mediaType: 'application/octet-stream',
    }));
    // compact JSON and a short media type keep the manifest under the 4 MiB limit
    const body = Buffer.from(JSON.stringify(imageManifest({ config: { digest: config, size: 22 }, layers })));
    expect(body.length).toBeLessThan(4 * 1024 * 1024);
    const res = await v2(h.t, 'PUT', `/v2/${repo}/manifests/v1`, {
      cookie: h.admin,
      body,
      contentType: OCI_MEDIA_TYPES.imageManifest,
    });
    expect(res.status).toBe(404);
    expect(res.json.errors[0].code).toBe('MANIFEST_BLOB_UNKNOWN');
    expect(res.bytes.length).toBeLessThan(16 * 1024);
    const detail = res.json.errors[0].detail;
    expect(detail.blobs).toHaveLength(20);
    expect(detail.missingBlobs).toBe(30_000);
    expect(detail.manifests).toEqual([]);
    expect(detail.missingManifests).toBe(0);
    expect(res.json.errors[0].message).toContain('30000 blobs');
    expect(res.json.errors[0].message).toContain('and 29980 more');
    expect(await manifestExists(repo, digestOf(body))).toBe(false);
  }, 120_000);
});
