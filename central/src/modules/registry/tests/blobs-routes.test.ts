import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { digestOf, RegistryTestHub } from './blobs-harness.js';

/** Where the storage keeps a blob's file. */
const fileOf = (h: RegistryTestHub, digest: string) => {
  const hex = digest.slice('sha256:'.length);
  return join(h.parts.dir.path, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
};

/**
 * Issue #23, blobs in repositories as a client sees them: a monolithic push, reads (whole, HEAD, ranges) only through
 * the repository that links the blob, cross-repository mounts that move no bytes, deletes, and the spec's errors.
 */
describe.each(dbTargets)('registry blobs, on $name', (target) => {
  let h: RegistryTestHub;
  const layer = Buffer.from('a layer of an image: 0123456789abcdefghijklmnopqrstuvwxyz\n'.repeat(50));
  let d: string;

  beforeAll(async () => {
    h = await RegistryTestHub.start(target);
    d = await h.push('apps/shop', layer);
  }, 180_000);
  afterAll(() => h?.stop(), 60_000);

  it('a monolithic POST answers 201 with the Location and digest, and the blob is recorded once', async () => {
    const bytes = Buffer.from('monolithic bytes');
    const digest = digestOf(bytes);
    const res = await h.v2('POST', `/v2/apps/mono/blobs/uploads/?digest=${digest}`, { body: bytes });
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get('location')).toBe(`/v2/apps/mono/blobs/${digest}`);
    expect(res.headers.get('docker-content-digest')).toBe(digest);
    expect(res.headers.get('content-length')).toBe('0');
    expect(await h.refCount(digest)).toBe(1);
    const again = await h.v2('GET', `/v2/apps/mono/blobs/${digest}`);
    expect(again.text).toBe('monolithic bytes');
  });

  it('a monolithic POST whose bytes are not the digest is 400 DIGEST_INVALID and links nothing', async () => {
    const wrong = digestOf('something else');
    const res = await h.v2('POST', `/v2/apps/mono2/blobs/uploads/?digest=${wrong}`, { body: 'these bytes' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].code).toBe('DIGEST_INVALID');
    expect(await h.refCount(wrong)).toBeUndefined();
    expect((await h.v2('HEAD', `/v2/apps/mono2/blobs/${wrong}`)).status).toBe(404);
  });

  it('HEAD and GET answer the bytes with their length, digest and type', async () => {
    const head = await h.v2('HEAD', `/v2/apps/shop/blobs/${d}`);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(layer.length));
    expect(head.headers.get('docker-content-digest')).toBe(d);
    expect(head.headers.get('content-type')).toBe('application/octet-stream');
    expect(head.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    const get = await h.v2('GET', `/v2/apps/shop/blobs/${d}`);
    expect(get.status).toBe(200);
    expect(get.text).toBe(layer.toString());
    expect(get.headers.get('docker-content-digest')).toBe(d);
  });

  it('a Range GET answers 206 with exactly those bytes; a range past the end is 416', async () => {
    const part = await h.v2('GET', `/v2/apps/shop/blobs/${d}`, { headers: { range: 'bytes=10-29' } });
    expect(part.status).toBe(206);
    expect(part.text).toBe(layer.subarray(10, 30).toString());
    expect(part.headers.get('content-range')).toBe(`bytes 10-29/${layer.length}`);
    expect(part.headers.get('content-length')).toBe('20');
    const tail = await h.v2('GET', `/v2/apps/shop/blobs/${d}`, { headers: { range: 'bytes=-5' } });
    expect(tail.status).toBe(206);
    expect(tail.text).toBe(layer.subarray(layer.length - 5).toString());
    const bad = await h.v2('GET', `/v2/apps/shop/blobs/${d}`, { headers: { range: `bytes=${layer.length}-` } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${layer.length}`);
    const garbled = await h.v2('GET', `/v2/apps/shop/blobs/${d}`, { headers: { range: 'bytes=9-3' } });
    expect(garbled.status).toBe(416);
  });

  it('another repository cannot read the blob (404 BLOB_UNKNOWN) until it mounts it', async () => {
    const res = await h.v2('GET', `/v2/apps/other/blobs/${d}`);
    expect(res.status).toBe(404);
    expect(res.body.errors[0].code).toBe('BLOB_UNKNOWN');
    expect((await h.v2('HEAD', `/v2/apps/other/blobs/${d}`)).status).toBe(404);
  });

  it('a mount links the blob with no bytes moved: 201, ref_count 2, the same file', async () => {
    const before = await stat(fileOf(h, d));
    const res = await h.v2('POST', `/v2/apps/mounted/blobs/uploads/?mount=${d}&from=apps/shop`);
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get('location')).toBe(`/v2/apps/mounted/blobs/${d}`);
    expect(res.headers.get('docker-content-digest')).toBe(d);
    expect(await h.refCount(d)).toBe(2);
    const after = await stat(fileOf(h, d));
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect((await h.v2('GET', `/v2/apps/mounted/blobs/${d}`)).text).toBe(layer.toString());
    // mounting again changes nothing
    expect((await h.v2('POST', `/v2/apps/mounted/blobs/uploads/?mount=${d}&from=apps/shop`)).status).toBe(201);
    expect(await h.refCount(d)).toBe(2);
  });

  it('a mount from a repository without the blob falls back to an upload session (202)', async () => {
    const res = await h.v2('POST', `/v2/apps/mounted2/blobs/uploads/?mount=${d}&from=apps/empty`);
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toMatch(/^\/v2\/apps\/mounted2\/blobs\/uploads\/[0-9a-f-]{36}$/);
    expect((await h.v2('HEAD', `/v2/apps/mounted2/blobs/${d}`)).status).toBe(404);
  });

  it('DELETE unlinks the blob from that repository only (202, then 404 there, still readable elsewhere)', async () => {
    const bytes = Buffer.from('to be deleted');
    const digest = await h.push('apps/del', bytes);
    expect((await h.v2('POST', `/v2/apps/del2/blobs/uploads/?mount=${digest}&from=apps/del`)).status).toBe(201);
    expect(await h.refCount(digest)).toBe(2);
    const del = await h.v2('DELETE', `/v2/apps/del/blobs/${digest}`);
    expect(del.status).toBe(202);
    expect(await h.refCount(digest)).toBe(1);
    const gone = await h.v2('GET', `/v2/apps/del/blobs/${digest}`);
    expect(gone.status).toBe(404);
    expect(gone.body.errors[0].code).toBe('BLOB_UNKNOWN');
    expect((await h.v2('GET', `/v2/apps/del2/blobs/${digest}`)).text).toBe('to be deleted');
    const twice = await h.v2('DELETE', `/v2/apps/del/blobs/${digest}`);
    expect(twice.status).toBe(404);
    expect(await h.refCount(digest)).toBe(1);
  });

  it('refuses digests that are not sha256:<64 hex> with 400 DIGEST_INVALID', async () => {
    const md5 = await h.v2('GET', '/v2/apps/shop/blobs/md5:d41d8cd98f00b204e9800998ecf8427e');
    expect(md5.status).toBe(400);
    expect(md5.body.errors[0].code).toBe('DIGEST_INVALID');
    expect(md5.body.errors[0].message).toMatch(/sha256/);
    const sha512 = await h.v2('HEAD', `/v2/apps/shop/blobs/sha512:${'ab'.repeat(64)}`);
    expect(sha512.status).toBe(400);
    const junk = await h.v2('POST', '/v2/apps/shop/blobs/uploads/?digest=sha256:XYZ', { body: 'x' });
    expect(junk.status).toBe(400);
    expect(junk.body.errors[0].code).toBe('DIGEST_INVALID');
    const upper = await h.v2('DELETE', `/v2/apps/shop/blobs/sha256:${'A'.repeat(64)}`);
    expect(upper.status).toBe(400);
    expect(await h.refCount(d)).toBe(2);
  });

  it('a repository past its quota refuses a blob: 403 QUOTA_EXCEEDED naming the quota, nothing linked', async () => {
    await h.push('apps/small', Buffer.alloc(600, 1));
    await h.t.hub.db.query("UPDATE registry_repositories SET quota_bytes = 1000 WHERE name = 'apps/small'");
    const big = Buffer.alloc(600, 2);
    const digest = digestOf(big);
    const mono = await h.v2('POST', `/v2/apps/small/blobs/uploads/?digest=${digest}`, { body: big });
    expect(mono.status).toBe(403);
    expect(mono.body.errors[0].code).toBe('QUOTA_EXCEEDED');
    expect(mono.body.errors[0].message).toMatch(/1000/);
    expect(mono.body.errors[0].message).toMatch(/600/);
    expect((await h.v2('HEAD', `/v2/apps/small/blobs/${digest}`)).status).toBe(404);
    // the same through a session, and through a mount
    const loc = await h.session('apps/small');
    const put = await h.v2('PUT', `${loc}?digest=${digest}`, { body: big });
    expect(put.status).toBe(403);
    expect(put.body.errors[0].code).toBe('QUOTA_EXCEEDED');
    expect((await h.v2('HEAD', `/v2/apps/small/blobs/${digest}`)).status).toBe(404);
    const mount = await h.v2('POST', `/v2/apps/small/blobs/uploads/?mount=${d}&from=apps/shop`);
    expect(mount.status).toBe(403);
    expect((await h.v2('HEAD', `/v2/apps/small/blobs/${d}`)).status).toBe(404);
    // what fits still goes in
    expect(await h.push('apps/small', Buffer.alloc(300, 3))).toMatch(/^sha256:/);
  });
});
