import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { MAX_OPEN_UPLOADS } from '../upload-sessions.js';
import { digestOf, RegistryTestHub } from './blobs-harness.js';

/** A body the client streams (no Content-Length): what skopeo's PATCH sends. */
function streamed(...parts: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(new TextEncoder().encode(p));
      c.close();
    },
  });
}

/**
 * Issue #23, upload sessions as clients drive them: POST then PUT, chunked PATCHes with Content-Range (an out-of-order
 * chunk is 416 and changes nothing), the streamed PATCH without one, status and cancel, a digest that does not match
 * (400, the session kept), a PUT sent twice, an Idempotency-Key'd POST, and sessions kept to their owner.
 */
describe.each(dbTargets)('registry upload sessions, on $name', (target) => {
  let h: RegistryTestHub;
  let otherAdmin: string;

  beforeAll(async () => {
    h = await RegistryTestHub.start(target);
    await h.t.hub.auth.createUser({
      email: 'second@example.test',
      password: 'another long passphrase',
      name: 'Second Admin',
      role: 'ADMIN',
    });
    otherAdmin = await h.t.login('second@example.test', 'another long passphrase');
  }, 180_000);
  afterAll(() => h?.stop(), 60_000);

  it('POST answers 202 with a Location, Range 0-0 and the session id; PUT with the whole body answers 201', async () => {
    const post = await h.v2('POST', '/v2/apps/up/blobs/uploads/');
    expect(post.status).toBe(202);
    const loc = post.headers.get('location')!;
    const id = post.headers.get('docker-upload-uuid')!;
    expect(loc).toBe(`/v2/apps/up/blobs/uploads/${id}`);
    expect(post.headers.get('range')).toBe('0-0');
    expect(post.headers.get('content-length')).toBe('0');
    const bytes = 'the whole blob in the PUT';
    const d = digestOf(bytes);
    const put = await h.v2('PUT', `${loc}?digest=${d}`, {
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(put.status, put.text).toBe(201);
    expect(put.headers.get('location')).toBe(`/v2/apps/up/blobs/${d}`);
    expect(put.headers.get('docker-content-digest')).toBe(d);
    expect((await h.v2('GET', `/v2/apps/up/blobs/${d}`)).text).toBe(bytes);
    expect(await h.refCount(d)).toBe(1);
    // the same PUT again (a client retrying after a lost answer) answers the same
    const again = await h.v2('PUT', `${loc}?digest=${d}`);
    expect(again.status).toBe(201);
    expect(again.headers.get('docker-content-digest')).toBe(d);
    expect(await h.refCount(d)).toBe(1);
    // but the finished session takes no more chunks
    const patch = await h.v2('PATCH', loc, { body: 'more' });
    expect(patch.status).toBe(404);
    expect(patch.body.errors[0].code).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('chunked PATCHes with Content-Range, then PUT: each answers the Range received; the blob is their bytes', async () => {
    const loc = await h.session('apps/chunks');
    const a = await h.v2('PATCH', loc, { body: 'hello ', headers: { 'content-range': '0-5' } });
    expect(a.status, a.text).toBe(202);
    expect(a.headers.get('range')).toBe('0-5');
    expect(a.headers.get('location')).toBe(loc);
    const b = await h.v2('PATCH', loc, { body: 'chunked ', headers: { 'content-range': '6-13' } });
    expect(b.status).toBe(202);
    expect(b.headers.get('range')).toBe('0-13');
    const status = await h.v2('GET', loc);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-13');
    expect(status.headers.get('docker-upload-uuid')).toBe(loc.split('/').at(-1));
    const d = digestOf('hello chunked world');
    const put = await h.v2('PUT', `${loc}?digest=${d}`, { body: 'world' });
    expect(put.status, put.text).toBe(201);
    expect((await h.v2('GET', `/v2/apps/chunks/blobs/${d}`)).text).toBe('hello chunked world');
  });

  it('a chunk out of order is 416 with the Range to resume from, and nothing changes', async () => {
    const loc = await h.session('apps/order');
    expect((await h.v2('PATCH', loc, { body: 'abcd', headers: { 'content-range': '0-3' } })).status).toBe(202);
    const skip = await h.v2('PATCH', loc, { body: 'ijkl', headers: { 'content-range': '8-11' } });
    expect(skip.status).toBe(416);
    expect(skip.headers.get('range')).toBe('0-3');
    expect(skip.headers.get('location')).toBe(loc);
    const replay = await h.v2('PATCH', loc, { body: 'abcd', headers: { 'content-range': '0-3' } });
    expect(replay.status).toBe(416);
    const status = await h.v2('GET', loc);
    expect(status.headers.get('range')).toBe('0-3');
    expect((await h.v2('PATCH', loc, { body: 'efgh', headers: { 'content-range': '4-7' } })).status).toBe(202);
    const d = digestOf('abcdefgh');
    expect((await h.v2('PUT', `${loc}?digest=${d}`)).status).toBe(201);
    expect((await h.v2('GET', `/v2/apps/order/blobs/${d}`)).text).toBe('abcdefgh');
  });

  it('a Content-Range whose length is not the body is refused and nothing changes', async () => {
    const loc = await h.session('apps/badrange');
    const res = await h.v2('PATCH', loc, { body: 'abc', headers: { 'content-range': '0-9' } });
    // 400: the request is malformed; 416 is kept for a chunk out of order
    expect(res.status).toBe(400);
    expect(res.body.errors[0].code).toBe('BLOB_UPLOAD_INVALID');
    const garbled = await h.v2('PATCH', loc, { body: 'abc', headers: { 'content-range': 'bytes=zero-2' } });
    expect(garbled.status).toBe(400);
    expect(garbled.body.errors[0].code).toBe('BLOB_UPLOAD_INVALID');
    expect((await h.v2('GET', loc)).headers.get('range')).toBe('0-0');
  });

  it('a chunked body running past its Content-Range is refused and nothing of it is appended', async () => {
    const loc = await h.session('apps/pastrange');
    const over = await h.v2('PATCH', loc, { body: streamed('abcd', 'efgh'), headers: { 'content-range': '0-3' } });
    expect(over.status, over.text).toBe(400);
    expect(over.body.errors[0].code).toBe('BLOB_UPLOAD_INVALID');
    expect((await h.v2('GET', loc)).headers.get('range')).toBe('0-0');
    const fits = await h.v2('PATCH', loc, { body: streamed('ab', 'cd'), headers: { 'content-range': '0-3' } });
    expect(fits.status, fits.text).toBe(202);
    expect(fits.headers.get('range')).toBe('0-3');
  });

  it('a known path with a method it is not served with is 405 UNSUPPORTED with Allow', async () => {
    const tags = await h.v2('PUT', '/v2/apps/shop/tags/list', { body: 'x' });
    expect(tags.status).toBe(405);
    expect(tags.body.errors[0].code).toBe('UNSUPPORTED');
    expect(tags.headers.get('allow')).toBe('GET, HEAD');
    const manifest = await h.v2('POST', '/v2/apps/shop/manifests/latest', { body: '{}' });
    expect(manifest.status).toBe(405);
    expect(manifest.headers.get('allow')).toBe('GET, HEAD, PUT, DELETE');
    const uploads = await h.v2('PATCH', '/v2/apps/shop/blobs/uploads/');
    expect(uploads.status).toBe(405);
    expect(uploads.headers.get('allow')).toBe('POST');
    // an unknown path is still 404
    const nowhere = await h.v2('GET', '/v2/apps/shop/nowhere');
    expect(nowhere.status).toBe(404);
    expect(nowhere.body.errors[0].code).toBe('NAME_UNKNOWN');
  });

  it('a streamed PATCH without Content-Range is appended whole (skopeo), then PUT completes it', async () => {
    const loc = await h.session('apps/stream');
    const p = await h.v2('PATCH', loc, {
      body: streamed('part one, ', 'part two, '),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(p.status, p.text).toBe(202);
    expect(p.headers.get('range')).toBe('0-19');
    const p2 = await h.v2('PATCH', loc, { body: streamed('part three') });
    expect(p2.headers.get('range')).toBe('0-29');
    const d = digestOf('part one, part two, part three');
    const put = await h.v2('PUT', `${loc}?digest=${d}`);
    expect(put.status).toBe(201);
    expect((await h.v2('GET', `/v2/apps/stream/blobs/${d}`)).text).toBe('part one, part two, part three');
  });

  it('a PUT whose digest is not the bytes is 400 DIGEST_INVALID and the session is kept to fix', async () => {
    const loc = await h.session('apps/mismatch');
    expect((await h.v2('PATCH', loc, { body: 'actual bytes' })).status).toBe(202);
    const wrong = digestOf('other bytes');
    const put = await h.v2('PUT', `${loc}?digest=${wrong}`);
    expect(put.status).toBe(400);
    expect(put.body.errors[0].code).toBe('DIGEST_INVALID');
    expect(await h.refCount(wrong)).toBeUndefined();
    const status = await h.v2('GET', loc);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe('0-11');
    const right = digestOf('actual bytes');
    expect((await h.v2('PUT', `${loc}?digest=${right}`)).status).toBe(201);
    const noDigest = await h.v2('PUT', loc);
    expect(noDigest.status).toBe(400);
  });

  it('DELETE cancels the session (204): it is gone, and its bytes with it', async () => {
    const loc = await h.session('apps/cancel');
    const id = loc.split('/').at(-1)!;
    expect((await h.v2('PATCH', loc, { body: 'some bytes' })).status).toBe(202);
    expect(await h.parts.storage.uploadSize(id)).toBe(10);
    const del = await h.v2('DELETE', loc);
    expect(del.status).toBe(204);
    expect(await h.parts.storage.uploadSize(id)).toBe(0);
    const after = await h.v2('GET', loc);
    expect(after.status).toBe(404);
    expect(after.body.errors[0].code).toBe('BLOB_UPLOAD_UNKNOWN');
    const { rows } = await h.t.hub.db.query('SELECT 1 FROM registry_uploads WHERE id = $1', [id]);
    expect(rows).toHaveLength(0);
  });

  it("another caller's session, a session of another repository, and an unknown id are all BLOB_UPLOAD_UNKNOWN", async () => {
    const loc = await h.session('apps/mine');
    expect((await h.v2('PATCH', loc, { body: 'mine' })).status).toBe(202);
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', 'theirs'],
      ['PUT', undefined],
      ['DELETE', undefined],
    ] as const) {
      const path = method === 'PUT' ? `${loc}?digest=${digestOf('mine')}` : loc;
      const res = await h.v2(method, path, { cookie: otherAdmin, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${res.text}`).toBe(404);
      expect(res.body.errors[0].code).toBe('BLOB_UPLOAD_UNKNOWN');
    }
    const id = loc.split('/').at(-1)!;
    const elsewhere = await h.v2('GET', `/v2/apps/notmine/blobs/uploads/${id}`);
    expect(elsewhere.status).toBe(404);
    const unknown = await h.v2('GET', '/v2/apps/mine/blobs/uploads/9b2f6a4e-1f0c-4c8e-9d1a-2b3c4d5e6f70');
    expect(unknown.status).toBe(404);
    const notUuid = await h.v2('PATCH', '/v2/apps/mine/blobs/uploads/..%2F..%2Fetc', { body: 'x' });
    expect(notUuid.status).toBe(404);
    expect(notUuid.body.errors[0].code).toBe('BLOB_UPLOAD_UNKNOWN');
    // the owner's session is as it was
    expect((await h.v2('GET', loc)).headers.get('range')).toBe('0-3');
  });

  it('a POST sent again with the same Idempotency-Key answers the same session', async () => {
    const a = await h.v2('POST', '/v2/apps/idem/blobs/uploads/', { headers: { 'idempotency-key': 'push-42' } });
    const b = await h.v2('POST', '/v2/apps/idem/blobs/uploads/', { headers: { 'idempotency-key': 'push-42' } });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.headers.get('location')).toBe(a.headers.get('location'));
    // another caller with the same key gets a session of their own
    const c = await h.v2('POST', '/v2/apps/idem/blobs/uploads/', {
      headers: { 'idempotency-key': 'push-42' },
      cookie: otherAdmin,
    });
    expect(c.status).toBe(202);
    expect(c.headers.get('location')).not.toBe(a.headers.get('location'));
    const fresh = await h.v2('POST', '/v2/apps/idem/blobs/uploads/');
    expect(fresh.headers.get('location')).not.toBe(a.headers.get('location'));
  });
  it('a caller holds at most MAX_OPEN_UPLOADS open sessions; past it 429 says how many and how they go', async () => {
    const repo = 'apps/capped';
    await h.t.hub.auth.createUser({
      email: 'many@example.test',
      password: 'a third long passphrase',
      name: 'Many Sessions',
      role: 'ADMIN',
    });
    const cookie = await h.t.login('many@example.test', 'a third long passphrase');
    const sessions: string[] = [];
    for (let i = 0; i < MAX_OPEN_UPLOADS; i++) {
      const post = await h.v2('POST', `/v2/${repo}/blobs/uploads/`, { cookie });
      expect(post.status, post.text).toBe(202);
      sessions.push(post.headers.get('location')!);
    }
    const refused = await h.v2('POST', `/v2/${repo}/blobs/uploads/`, { cookie });
    expect(refused.status, refused.text).toBe(429);
    expect(refused.body.errors[0].code).toBe('TOOMANYREQUESTS');
    expect(refused.body.errors[0].message).toMatch(new RegExp(`${MAX_OPEN_UPLOADS} upload sessions open`));
    expect(refused.body.errors[0].message).toMatch(/REGISTRY_UPLOAD_IDLE_MS/);
    // a monolithic upload needs no session; cancelling one frees a place
    const mono = await h.v2('POST', `/v2/${repo}/blobs/uploads/?digest=${digestOf('mono')}`, { body: 'mono', cookie });
    expect(mono.status).toBe(201);
    // another caller is not held back by this one's sessions
    expect((await h.v2('POST', `/v2/${repo}/blobs/uploads/`)).status).toBe(202);
    expect((await h.v2('DELETE', sessions[0]!, { cookie })).status).toBe(204);
    expect((await h.v2('POST', `/v2/${repo}/blobs/uploads/`, { cookie })).status).toBe(202);
  });
  it('an empty blob pushes, then HEAD and GET answer it with length 0 (a Range on it is 416: nothing to satisfy)', async () => {
    const d = digestOf('');
    const loc = await h.session('apps/empty-blob');
    const put = await h.v2('PUT', `${loc}?digest=${d}`);
    expect(put.status, put.text).toBe(201);
    const head = await h.v2('HEAD', `/v2/apps/empty-blob/blobs/${d}`);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('0');
    const get = await h.v2('GET', `/v2/apps/empty-blob/blobs/${d}`);
    expect(get.status).toBe(200);
    expect(get.text).toBe('');
    expect(get.headers.get('docker-content-digest')).toBe(d);
    const ranged = await h.v2('GET', `/v2/apps/empty-blob/blobs/${d}`, { headers: { range: 'bytes=0-' } });
    expect(ranged.status).toBe(416);
  });
});
