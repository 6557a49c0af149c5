import { OCI_MEDIA_TYPES } from '@storefleet/shared';
import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import {
  digestOf,
  imageManifest,
  manifestBytes,
  pushBlob,
  pushImage,
  registryHub,
  v2,
} from './registry-test-support.js';

const SBOM = 'application/vnd.example.sbom.v1+json';
const SIGNATURE = 'application/vnd.example.signature.v1';

describe.each(dbTargets)('registry artefacts and referrers ($name)', (target) => {
  const h = registryHub(target);
  const repo = 'team/signed';

  /** An OCI 1.1 artefact: empty config, one blob, a subject; pushed by digest as oras does. */
  async function pushArtefact(
    subject: { digest: string; size: number },
    artifactType: string | undefined,
    content: string,
    annotations: Record<string, string>,
    configMediaType: string = OCI_MEDIA_TYPES.emptyJson,
  ) {
    const empty = await pushBlob(h.t, h.admin, repo, '{}');
    const blob = await pushBlob(h.t, h.admin, repo, content);
    const manifest = imageManifest({
      config: { digest: empty, size: 2, mediaType: configMediaType },
      layers: [{ digest: blob, size: Buffer.byteLength(content), mediaType: 'application/octet-stream' }],
      subject,
      artifactType,
      annotations,
    });
    const body = manifestBytes(manifest);
    const res = await v2(h.t, 'PUT', `/v2/${repo}/manifests/${digestOf(body)}`, {
      cookie: h.admin,
      body,
      contentType: OCI_MEDIA_TYPES.imageManifest,
    });
    return { res, digest: digestOf(body), size: body.length };
  }

  it('takes artefacts with a subject (OCI-Subject) and lists them as referrers, filtered by artifactType', async () => {
    const image = await pushImage(h.t, h.admin, repo, 'v1', ['signed layer']);
    const subject = { digest: image.digest, size: image.size };
    const sbom = await pushArtefact(subject, SBOM, 'the sbom', { 'org.example.kind': 'sbom' });
    expect(sbom.res.status).toBe(201);
    expect(sbom.res.headers.get('oci-subject')).toBe(image.digest);
    expect(sbom.res.headers.get('location')).toBe(`/v2/${repo}/manifests/${sbom.digest}`);
    const sig = await pushArtefact(subject, SIGNATURE, 'the signature', { 'org.example.kind': 'signature' });
    expect(sig.res.status).toBe(201);
    // no artifactType: the config's media type stands for it
    const legacy = await pushArtefact(subject, undefined, 'legacy', { 'org.example.kind': 'legacy' }, SIGNATURE);
    expect(legacy.res.status).toBe(201);

    const all = await v2(h.t, 'GET', `/v2/${repo}/referrers/${image.digest}`, { cookie: h.admin });
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe(OCI_MEDIA_TYPES.imageIndex);
    expect(all.headers.get('oci-filters-applied')).toBeNull();
    expect(all.json.schemaVersion).toBe(2);
    expect(all.json.mediaType).toBe(OCI_MEDIA_TYPES.imageIndex);
    expect(all.json.manifests).toHaveLength(3);
    expect(all.json.manifests).toEqual(
      expect.arrayContaining([
        {
          mediaType: OCI_MEDIA_TYPES.imageManifest,
          digest: sbom.digest,
          size: sbom.size,
          artifactType: SBOM,
          annotations: { 'org.example.kind': 'sbom' },
        },
        {
          mediaType: OCI_MEDIA_TYPES.imageManifest,
          digest: sig.digest,
          size: sig.size,
          artifactType: SIGNATURE,
          annotations: { 'org.example.kind': 'signature' },
        },
        expect.objectContaining({ digest: legacy.digest, artifactType: SIGNATURE }),
      ]),
    );

    const filtered = await v2(
      h.t,
      'GET',
      `/v2/${repo}/referrers/${image.digest}?artifactType=${encodeURIComponent(SIGNATURE)}`,
      { cookie: h.admin },
    );
    expect(filtered.status).toBe(200);
    expect(filtered.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(filtered.json.manifests.map((m: { digest: string }) => m.digest).sort()).toEqual(
      [sig.digest, legacy.digest].sort(),
    );

    // deleting a referrer takes it off the list
    expect((await v2(h.t, 'DELETE', `/v2/${repo}/manifests/${sbom.digest}`, { cookie: h.admin })).status).toBe(202);
    const after = await v2(h.t, 'GET', `/v2/${repo}/referrers/${image.digest}`, { cookie: h.admin });
    expect(after.json.manifests.map((m: { digest: string }) => m.digest)).not.toContain(sbom.digest);
  });

  it('takes an artefact whose subject is not (yet) pushed, and answers an empty index for unknown subjects', async () => {
    const absent = { digest: digestOf('a manifest pushed later'), size: 23 };
    const early = await pushArtefact(absent, SBOM, 'early sbom', { n: '1' });
    expect(early.res.status).toBe(201);
    expect(early.res.headers.get('oci-subject')).toBe(absent.digest);
    const list = await v2(h.t, 'GET', `/v2/${repo}/referrers/${absent.digest}`, { cookie: h.admin });
    expect(list.json.manifests.map((m: { digest: string }) => m.digest)).toEqual([early.digest]);

    const none = await v2(h.t, 'GET', `/v2/${repo}/referrers/${digestOf('nobody refers to me')}`, { cookie: h.admin });
    expect(none.status).toBe(200);
    expect(none.json).toEqual({ schemaVersion: 2, mediaType: OCI_MEDIA_TYPES.imageIndex, manifests: [] });

    const bad = await v2(h.t, 'GET', `/v2/${repo}/referrers/sha256:nothex`, { cookie: h.admin });
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].code).toBe('DIGEST_INVALID');
    const badSubject = await v2(h.t, 'PUT', `/v2/${repo}/manifests/with-bad-subject`, {
      cookie: h.admin,
      body: JSON.stringify({
        ...imageManifest({ config: { digest: digestOf('{}'), size: 2 }, layers: [] }),
        subject: { mediaType: OCI_MEDIA_TYPES.imageManifest, digest: 'sha256:short', size: 1 },
      }),
      contentType: OCI_MEDIA_TYPES.imageManifest,
    });
    expect(badSubject.status).toBe(400);
    expect(badSubject.json.errors[0].message).toMatch(/subject\.digest/);
  });
});
