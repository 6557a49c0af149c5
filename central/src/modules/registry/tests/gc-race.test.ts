import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { digestOf, imageManifest, manifestBytes, pushBlob, registryHub, v2 } from './registry-test-support.js';

const DAY = 86_400_000;

/**
 * Review of issue #23: a collection and a re-push of the same digest crossing. The push places its bytes (the address
 * still holds the old file, so it keeps no copy of its own), the collection then removes the blob, and only then does
 * the push record its row. Run here deterministically by running a whole collection in that gap. The push must end
 * either stored and readable, or refused so the client sends it again; never a blob HEAD answers and GET cannot read.
 */
describe.each(dbTargets)('garbage collection crossing a re-push of the same blob, on $name', (target) => {
  const h = registryHub(target, {
    tuning: { registryGcGraceMs: 0, registryGcEveryMs: 7 * DAY, registryScanPollMs: 60_000 },
  });
  const admin = () => ({ cookie: h.admin });
  const blobPath = (digest: string) => {
    const hex = digest.slice('sha256:'.length);
    return join(h.parts.dir.path, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
  };
  /** A blob no manifest names, pushed and made old, so the next collection removes it. */
  const staleBlob = async (repo: string) => {
    const bytes = randomBytes(3000);
    const digest = await pushBlob(h.t, h.admin, repo, bytes);
    await h.t.hub.db.query(`UPDATE registry_blobs SET touched_at = now() - interval '2 days' WHERE digest = $1`, [
      digest,
    ]);
    return { bytes, digest };
  };
  /** Runs one collection in the gap between the push's placing of its bytes and the recording of its row, once. */
  const collectInTheGap = () => {
    const blobs = h.parts.blobs;
    const original = blobs.linkStored;
    let ran = false;
    blobs.linkStored = async (...args: Parameters<typeof original>) => {
      if (!ran) {
        ran = true;
        await h.parts.gc.run('ADMIN');
      }
      return original.apply(blobs, args);
    };
    return {
      ran: () => ran,
      restore: () => {
        blobs.linkStored = original;
      },
    };
  };
  /** HEAD and GET agree: both 200 with the bytes, or both 404 BLOB_UNKNOWN. */
  const readable = async (repo: string, digest: string, bytes: Buffer) => {
    const head = await v2(h.t, 'HEAD', `/v2/${repo}/blobs/${digest}`, admin());
    const get = await v2(h.t, 'GET', `/v2/${repo}/blobs/${digest}`, admin());
    expect(get.status, `HEAD ${head.status}, GET ${get.status}`).toBe(head.status);
    if (get.status === 200) expect(get.bytes.equals(bytes)).toBe(true);
    else expect(get.json.errors[0].code).toBe('BLOB_UNKNOWN');
    return get.status === 200;
  };

  it('a monolithic re-push is refused (retryable) or readable, never a row without its file', async () => {
    const repo = 'race/mono';
    const { bytes, digest } = await staleBlob(repo);
    const gap = collectInTheGap();
    let put: Awaited<ReturnType<typeof v2>>;
    try {
      put = await v2(h.t, 'POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, {
        ...admin(),
        body: bytes,
        contentType: 'application/octet-stream',
      });
    } finally {
      gap.restore();
    }
    expect(gap.ran()).toBe(true);
    if (put.status === 201) {
      expect(await readable(repo, digest, bytes)).toBe(true);
    } else {
      expect(put.status, put.bytes.toString()).toBe(400);
      expect(put.json.errors[0].code).toBe('BLOB_UPLOAD_INVALID');
      expect(put.json.errors[0].message).toMatch(/upload it again/);
      expect(await readable(repo, digest, bytes)).toBe(false);
      // the client's retry stores it
      await pushBlob(h.t, h.admin, repo, bytes);
      expect(await readable(repo, digest, bytes)).toBe(true);
    }
  });

  it('a session completing as a collection removes its digest stays open for the bytes again', async () => {
    const repo = 'race/session';
    const { bytes, digest } = await staleBlob(repo);
    const post = await v2(h.t, 'POST', `/v2/${repo}/blobs/uploads/`, admin());
    expect(post.status).toBe(202);
    const location = post.headers.get('location')!;
    const patch = await v2(h.t, 'PATCH', location, {
      ...admin(),
      body: bytes,
      contentType: 'application/octet-stream',
    });
    expect(patch.status).toBe(202);
    const gap = collectInTheGap();
    let put: Awaited<ReturnType<typeof v2>>;
    try {
      put = await v2(h.t, 'PUT', `${location}?digest=${digest}`, admin());
    } finally {
      gap.restore();
    }
    expect(gap.ran()).toBe(true);
    if (put.status === 201) {
      expect(await readable(repo, digest, bytes)).toBe(true);
      return;
    }
    expect(put.status, put.bytes.toString()).toBe(400);
    expect(put.json.errors[0].code).toBe('BLOB_UPLOAD_INVALID');
    expect(await readable(repo, digest, bytes)).toBe(false);
    // the session is still the client's, and says it holds nothing: the bytes again, then the PUT
    const status = await v2(h.t, 'GET', location, admin());
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-0');
    const again = await v2(h.t, 'PATCH', location, {
      ...admin(),
      body: bytes,
      contentType: 'application/octet-stream',
    });
    expect(again.status).toBe(202);
    const done = await v2(h.t, 'PUT', `${location}?digest=${digest}`, admin());
    expect(done.status, done.bytes.toString()).toBe(201);
    expect(await readable(repo, digest, bytes)).toBe(true);
  });

  it('a row whose file is gone is missing to HEAD, GET and a manifest naming it', async () => {
    const repo = 'race/lost';
    const config = randomBytes(500);
    const digest = await pushBlob(h.t, h.admin, repo, config);
    await rm(blobPath(digest));
    const head = await v2(h.t, 'HEAD', `/v2/${repo}/blobs/${digest}`, admin());
    expect(head.status).toBe(404);
    expect(await readable(repo, digest, config)).toBe(false);
    const body = manifestBytes(imageManifest({ config: { digest, size: config.length }, layers: [] }));
    const put = await v2(h.t, 'PUT', `/v2/${repo}/manifests/v1`, {
      ...admin(),
      body,
      contentType: 'application/vnd.oci.image.manifest.v1+json',
    });
    expect(put.status, put.bytes.toString()).toBe(404);
    expect(put.json.errors[0].code).toBe('MANIFEST_BLOB_UNKNOWN');
    // uploading it again mends it
    await pushBlob(h.t, h.admin, repo, config);
    expect(await readable(repo, digest, config)).toBe(true);
    expect(digestOf(config)).toBe(digest);
  });
});
