import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { modulesKeepingContext } from '../../../../tests/support/modules-keeping-context.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import type { BlobStore } from '../../../kernel/blobs.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import { type ReviewsParts, reviewsParts } from '../index.js';
import { PhotoStore } from '../photos.js';
import { MAX_PHOTO_BYTES } from '../types.js';
import { insertReview } from './review-fixture.js';

/**
 * Review photos through the API: real JPEG, PNG and WebP bytes (made by libvips in the test) are kept with the sizes
 * their headers give; anything else, or bytes that disagree with their Content-Type, is 415; past MAX_PHOTO_BYTES 413
 * with nothing kept; a photo is shown once its review is approved; a review names only its customer's free photos;
 * photos on no review are swept after a day (the blob only when no other photo has the same bytes).
 */
const image = (w: number, h: number, format: 'png' | 'jpeg' | 'webp', opts: Record<string, unknown> = {}) =>
  sharp({
    create: opts.alpha
      ? { width: w, height: h, channels: 4, background: { r: 192, g: 57, b: 43, alpha: 0.5 } }
      : { width: w, height: h, channels: 3, background: '#c0392b' },
  })
    [format](opts.alpha ? {} : (opts as never))
    .toBuffer();

describe.each(dbTargets)('review photos on $name', (target) => {
  let t: TestHub;
  let admin = '';
  let ctx: () => HubContext;
  let kiosk = '';
  let otherKiosk = '';
  let customer = '';
  const parts = (): ReviewsParts => reviewsParts(ctx());

  beforeAll(async () => {
    const kept = await modulesKeepingContext('reviews');
    ctx = kept.context;
    t = await TestHub.start(target, { modules: kept.modules });
    admin = await t.login();
    const a = await t.store('PHO-A', admin);
    const b = await t.store('PHO-B', admin);
    kiosk = a.token;
    otherKiosk = b.token;
    const made = await t.call('POST', '/api/customers', { name: 'Photo Customer' }, { bearer: kiosk });
    expect(made.status).toBe(201);
    customer = made.body.id;
  });
  afterAll(() => t?.stop());

  const newCustomer = async (): Promise<string> => {
    const made = await t.call('POST', '/api/customers', { name: 'Another Photo Customer' }, { bearer: kiosk });
    expect(made.status).toBe(201);
    return made.body.id;
  };
  const upload = async (
    bytes: Buffer | string,
    opts: { customerId?: string; type?: string; who?: Record<string, string>; query?: string; key?: string } = {},
  ) => {
    const headers: Record<string, string> = opts.who ?? { cookie: admin };
    if (opts.type) headers['content-type'] = opts.type;
    if (opts.key) headers['idempotency-key'] = opts.key;
    const query = opts.query ?? `customerId=${opts.customerId ?? customer}`;
    const res = await fetch(`${t.url}/api/reviews/photos?${query}`, {
      method: 'POST',
      headers,
      body: typeof bytes === 'string' ? bytes : new Uint8Array(bytes),
    });
    const text = await res.text();
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      type: res.headers.get('content-type') ?? '',
      body: text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text,
    };
  };
  const blobCount = () => {
    try {
      return readdirSync(join(parts().dir.path, 'sha256'), { recursive: true, withFileTypes: true }).filter((e) =>
        e.isFile(),
      ).length;
    } catch {
      return 0;
    }
  };
  const tempNames = () => {
    try {
      return readdirSync(join(parts().dir.path, 'tmp')).sort();
    } catch {
      return [];
    }
  };
  const photoRows = async () =>
    (await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM review_photos')).rows[0]!.n;
  const attach = (customerId: string, reviewId: string, ids: string[]) =>
    t.hub.db.transaction((tx) => parts().photos.attach(tx, customerId, reviewId, ids));

  it('keeps real PNG, JPEG and WebP (lossy, lossless, extended) with the sizes their headers give', async () => {
    const cases: [Buffer, string, number, number][] = [
      [await image(7, 5, 'png'), 'image/png', 7, 5],
      [await image(9, 4, 'jpeg'), 'image/jpeg', 9, 4],
      [await image(11, 3, 'webp'), 'image/webp', 11, 3],
      [await image(6, 2, 'webp', { lossless: true }), 'image/webp', 6, 2],
      [await image(5, 8, 'webp', { alpha: true }), 'image/webp', 5, 8],
    ];
    const owner = await newCustomer();
    for (const [bytes, mediaType, width, height] of cases) {
      // declared or not: the bytes say what it is
      for (const type of [mediaType, undefined]) {
        const res = await upload(bytes, type ? { type, customerId: owner } : { customerId: owner });
        expect([mediaType, type, res.status]).toEqual([mediaType, type, 201]);
        expect(res.body).toEqual({
          id: expect.any(String),
          mediaType,
          size: bytes.length,
          width,
          height,
          url: `/api/reviews/photos/${res.body.id}`,
        });
        const { rows } = await t.hub.db.query('SELECT customer_id, review_id FROM review_photos WHERE id = $1', [
          res.body.id,
        ]);
        expect(rows).toEqual([{ customer_id: owner, review_id: null }]);
      }
    }
    const webpKinds = cases.slice(2).map(([b]) => b.subarray(12, 16).toString('latin1'));
    expect(webpKinds).toEqual(['VP8 ', 'VP8L', 'VP8X']);
  });

  it('refuses what is no image, or not the image declared (415), keeping nothing', async () => {
    const rows = await photoRows();
    const blobs = blobCount();
    const png = await image(4, 4, 'png');
    const jpeg = await image(4, 4, 'jpeg');
    const refused: [Buffer | string, string | undefined][] = [
      ['just some text, named photo.png by its sender', 'image/png'],
      ['just some text', undefined],
      [png, 'image/jpeg'],
      [jpeg, 'text/plain'],
      [png, 'image/gif'],
      [png.subarray(0, 20), 'image/png'], // a cut header
      [Buffer.alloc(0), undefined],
      [Buffer.from([0xff, 0xd8, 0xff, 0xd9]), 'image/jpeg'], // SOI then EOI: no frame
    ];
    for (const [bytes, type] of refused) {
      const res = await upload(bytes, type ? { type } : {});
      expect([type, res.status]).toEqual([type, 415]);
      expect(res.type).toContain('application/problem+json');
    }
    expect(await photoRows()).toBe(rows);
    expect(blobCount()).toBe(blobs);
  });

  it('refuses a photo past MAX_PHOTO_BYTES (413): streamed without a length, or declared too long; nothing kept', async () => {
    const rows = await photoRows();
    const blobs = blobCount();
    // an upload refused at its first bytes may leave a temporary file the blob store opened after the refusal (the
    // kernel's FsBlobStore; swept later): wait until earlier tests' are all there, then count only this test's
    let temps = tempNames();
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const now = tempNames();
      if (now.join() === temps.join()) break;
      temps = now;
    }
    const png = await image(4, 4, 'png');
    const big = Buffer.concat([png, Buffer.alloc(MAX_PHOTO_BYTES + 1 - png.length, 1)]);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${t.url}/api/reviews/photos?customerId=${customer}`, {
        method: 'POST',
        headers: { cookie: admin, 'content-type': 'image/png', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let at = 0; at < big.length; at += 256 * 1024) req.write(big.subarray(at, at + 256 * 1024));
      req.end();
    });
    expect(status).toBe(413);
    const declared = await new Promise<number>((resolve, reject) => {
      const req = request(`${t.url}/api/reviews/photos?customerId=${customer}`, {
        method: 'POST',
        headers: { cookie: admin, 'content-length': String(MAX_PHOTO_BYTES + 1), connection: 'close' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(declared).toBe(413);
    expect(await photoRows()).toBe(rows);
    expect(blobCount()).toBe(blobs);
    // the partial write is gone too (the blob store removes its temporary file before the error is answered)
    expect(tempNames()).toEqual(temps);
  });

  it('shows a photo once its review is approved; head office sees it always; others 404', async () => {
    const bytes = await image(3, 3, 'png');
    const up = await upload(bytes, { who: { authorization: `Bearer ${kiosk}` } });
    expect(up.status).toBe(201);
    const get = (who: Record<string, string>) => fetch(`${t.url}/api/reviews/photos/${up.body.id}`, { headers: who });
    expect((await get({ authorization: `Bearer ${otherKiosk}` })).status).toBe(404);
    const asAdmin = await get({ cookie: admin });
    expect(asAdmin.status).toBe(200);
    expect(Buffer.from(await asAdmin.arrayBuffer())).toEqual(bytes);
    const review = await insertReview(t.hub.db, { customerId: customer, sku: 'PHOTO-1', status: 'MANUAL_REVIEW' });
    expect(await attach(customer, review.id, [up.body.id])).toBe(1);
    expect((await get({ authorization: `Bearer ${otherKiosk}` })).status).toBe(404);
    await t.hub.db.query("UPDATE reviews SET status = 'APPROVED' WHERE id = $1", [review.id]);
    const shown = await get({ authorization: `Bearer ${otherKiosk}` });
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toBe('image/png');
    expect(shown.headers.get('content-length')).toBe(String(bytes.length));
    expect(shown.headers.get('x-content-type-options')).toBe('nosniff');
    expect(shown.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(Buffer.from(await shown.arrayBuffer())).toEqual(bytes);
    expect((await fetch(`${t.url}/api/reviews/photos/${up.body.id}`)).status).toBe(401);
    expect((await get({ cookie: admin })).status).toBe(200);
    expect((await fetch(`${t.url}/api/reviews/photos/${randomUUID()}`, { headers: { cookie: admin } })).status).toBe(
      404,
    );
    const views = await parts().photos.ofReviews(t.hub.db, [review.id]);
    expect(views.get(review.id)).toEqual([up.body]);
  });

  it('a review names its customer’s free photos only (422 naming the photo); photos it no longer names are let go', async () => {
    const [p1, p2, p3] = await Promise.all([
      upload(await image(2, 2, 'png')),
      upload(await image(2, 3, 'png')),
      upload(await image(2, 4, 'png')),
    ]);
    const stranger = await upload(await image(2, 5, 'png'), { customerId: await newCustomer() });
    expect(stranger.status).toBe(201);
    const review = await insertReview(t.hub.db, { customerId: customer, sku: 'PHOTO-2' });
    const other = await insertReview(t.hub.db, { customerId: customer, sku: 'PHOTO-3' });
    expect(await attach(customer, review.id, [p2.body.id, p1.body.id])).toBe(2);
    expect((await parts().photos.ofReviews(t.hub.db, [review.id])).get(review.id)?.map((p) => p.id)).toEqual([
      p2.body.id,
      p1.body.id,
    ]);
    await expect(attach(customer, other.id, [p1.body.id])).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining(p1.body.id),
    });
    await expect(attach(customer, other.id, [stranger.body.id])).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining(stranger.body.id),
    });
    const missing = randomUUID();
    await expect(attach(customer, other.id, [missing])).rejects.toMatchObject({ status: 422 });
    await expect(attach(customer, other.id, [p3.body.id, p3.body.id])).rejects.toMatchObject({ status: 422 });
    // a refused attach changed nothing
    expect((await parts().photos.ofReviews(t.hub.db, [other.id])).get(other.id)).toBeUndefined();
    // the review now names p3 and p1: p2 is free again (and may go on another review)
    expect(await attach(customer, review.id, [p3.body.id, p1.body.id])).toBe(2);
    const { rows } = await t.hub.db.query('SELECT review_id FROM review_photos WHERE id = $1', [p2.body.id]);
    expect(rows).toEqual([{ review_id: null }]);
    expect(await attach(customer, other.id, [p2.body.id])).toBe(1);
  });

  it('sweeps photos on no review after a day: the row, and the blob unless another photo has the same bytes', async () => {
    const lone = await image(13, 1, 'png');
    const shared = await image(14, 1, 'png');
    const a = await upload(lone);
    const aKey = (
      await t.hub.db.query<{ k: string }>('SELECT blob_key AS k FROM review_photos WHERE id = $1', [a.body.id])
    ).rows[0]!.k;
    const b = await upload(shared);
    const c = await upload(shared);
    const review = await insertReview(t.hub.db, { customerId: customer, sku: 'PHOTO-4' });
    await attach(customer, review.id, [c.body.id]);
    const blobs = blobCount();
    const now = Date.now();
    // not yet a day: nothing goes
    await parts().photos.sweep(t.hub.db, now + 3_600_000);
    const left = async (id: string) =>
      (await t.hub.db.query('SELECT id FROM review_photos WHERE id = $1', [id])).rows.length;
    expect([await left(a.body.id), await left(b.body.id)]).toEqual([1, 1]);
    const removed = await parts().photos.sweep(t.hub.db, now + 25 * 3_600_000);
    expect(removed).toBeGreaterThanOrEqual(2);
    expect([await left(a.body.id), await left(b.body.id), await left(c.body.id)]).toEqual([0, 0, 1]);
    expect(await parts().photos.blobs.stat(aKey)).toBeNull();
    // the lone photo's bytes are gone; the shared bytes stay for c; every blob left is some row's, and every row's is there
    const keyOf = async (id: string) =>
      (await t.hub.db.query<{ k: string }>('SELECT blob_key AS k FROM review_photos WHERE id = $1', [id])).rows[0]?.k;
    const cKey = (await keyOf(c.body.id))!;
    expect(await parts().photos.blobs.stat(cKey)).not.toBeNull();
    const { rows: keys } = await t.hub.db.query<{ k: string }>('SELECT DISTINCT blob_key AS k FROM review_photos');
    expect(blobCount()).toBe(keys.length);
    expect(blobCount()).toBeLessThan(blobs);
    const still = await fetch(`${t.url}/api/reviews/photos/${c.body.id}`, { headers: { cookie: admin } });
    expect(Buffer.from(await still.arrayBuffer())).toEqual(shared);
  });

  it('refuses bad uploads and ids with 400 problem+json; a store for another store’s customer 404', async () => {
    const png = await image(2, 2, 'png');
    const rows = await photoRows();
    for (const query of ['', 'customerId=nope', `customerId=${customer}&extra=1`, `customerId=${customer}%00`]) {
      const res = await upload(png, { query });
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.type).toContain('application/problem+json');
    }
    expect((await upload(png, { who: { authorization: `Bearer ${otherKiosk}` } })).status).toBe(404);
    const bad = await fetch(`${t.url}/api/reviews/photos/not-a-uuid`, { headers: { cookie: admin } });
    expect(bad.status).toBe(400);
    expect(await photoRows()).toBe(rows);
  });

  it('a retried upload with the same Idempotency-Key gets the same photo, kept once', async () => {
    const png = await image(3, 7, 'png');
    const key = randomUUID();
    const first = await upload(png, { key, type: 'image/png' });
    const again = await upload(png, { key, type: 'image/png' });
    expect(first.status).toBe(201);
    expect(again).toEqual(first);
    const { rows } = await t.hub.db.query(
      'SELECT count(*)::int AS n FROM review_photos WHERE width = 3 AND height = 7',
    );
    expect(rows[0]).toEqual({ n: 1 });
  });

  /** A PNG's first 33 bytes (signature and IHDR) claiming `w` × `h`, followed by `rest`. */
  const pngHeader = async (w: number, h: number, rest: Buffer | string = '') => {
    const head = Buffer.from((await image(2, 2, 'png')).subarray(0, 33));
    head.writeUInt32BE(w, 16);
    head.writeUInt32BE(h, 20);
    return Buffer.concat([head, Buffer.from(rest)]);
  };
  const html = '<html><body><script>alert(document.cookie)</script></body></html>';

  it('refuses a photo past 12,000 px a side or 50 megapixels (422 naming the limit), nothing kept', async () => {
    const owner = await newCustomer();
    const rows = await photoRows();
    const blobs = blobCount();
    const refused: [string, Buffer][] = [
      ['a 33-byte header claiming 2147483647² then HTML', await pngHeader(2147483647, 2147483647, html)],
      ['12,001 px wide', await pngHeader(12_001, 10, html)],
      ['64 MP', await pngHeader(8000, 8000, html)],
      ['a real 12,001 × 1 PNG', await image(12_001, 1, 'png')],
    ];
    for (const [what, bytes] of refused) {
      const res = await upload(bytes, { customerId: owner });
      expect([what, res.status]).toEqual([what, 422]);
      expect(res.type).toContain('application/problem+json');
      expect(res.body.detail).toMatch(/at most 12000 pixels a side and 50 megapixels/);
    }
    expect(await photoRows()).toBe(rows);
    expect(blobCount()).toBe(blobs);
    // the largest allowed side is kept
    expect((await upload(await image(12_000, 1, 'png'), { customerId: owner })).status).toBe(201);
  });

  it('decodes the whole image: a header followed by anything else, or a cut file, is refused (415), nothing kept', async () => {
    const owner = await newCustomer();
    const png = await image(40, 30, 'png');
    const jpeg = await image(40, 30, 'jpeg');
    const webp = await image(40, 30, 'webp');
    const rows = await photoRows();
    const blobs = blobCount();
    const refused: [string, Buffer][] = [
      ['a PNG header then HTML', Buffer.concat([png.subarray(0, 33), Buffer.from(html.repeat(10))])],
      ['a JPEG header then HTML', Buffer.concat([jpeg.subarray(0, 200), Buffer.from(html.repeat(10))])],
      ['a WebP header then HTML', Buffer.concat([webp.subarray(0, 30), Buffer.from(html.repeat(10))])],
      ['a PNG cut short', png.subarray(0, png.length - 20)],
      ['a JPEG cut short', jpeg.subarray(0, jpeg.length - 20)],
    ];
    for (const [what, bytes] of refused) {
      const res = await upload(bytes, { customerId: owner });
      expect([what, res.status]).toEqual([what, 415]);
      expect(res.type).toContain('application/problem+json');
    }
    expect(await photoRows()).toBe(rows);
    expect(blobCount()).toBe(blobs);
  });

  it('a customer holds at most 20 photos on no review (429 with Retry-After); one put on a review frees a place', async () => {
    const owner = await newCustomer();
    const png = await image(5, 5, 'png');
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await upload(png, { customerId: owner });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const refused = await upload(png, { customerId: owner });
    expect(refused.status).toBe(429);
    expect(refused.type).toContain('application/problem+json');
    expect(refused.body.detail).toMatch(/20 photos on no review at once/);
    const wait = Number(refused.retryAfter);
    expect(wait).toBeGreaterThan(86_000);
    expect(wait).toBeLessThanOrEqual(86_400);
    // parallel uploads pass no limit either
    const parallel = await Promise.all([1, 2, 3].map(() => upload(png, { customerId: owner })));
    expect(parallel.map((r) => r.status)).toEqual([429, 429, 429]);
    const held = async () =>
      (
        await t.hub.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM review_photos WHERE customer_id = $1 AND review_id IS NULL',
          [owner],
        )
      ).rows[0]!.n;
    expect(await held()).toBe(20);
    const review = await insertReview(t.hub.db, { customerId: owner, sku: 'PHOTO-QUOTA' });
    await attach(owner, review.id, [ids[0]!]);
    expect((await upload(png, { customerId: owner })).status).toBe(201);
    expect((await upload(png, { customerId: owner })).status).toBe(429);
    // another customer has their own
    expect((await upload(png, { customerId: await newCustomer() })).status).toBe(201);
  });

  it('a same-bytes upload the sweep meets half-way keeps its bytes or is refused with nothing kept, never a row without bytes', async () => {
    const owner = await newCustomer();
    const bytes = await image(17, 3, 'png');
    const now = Date.now();
    // an unused photo of these bytes from two days ago: the sweep lets its row and its blob go
    const old = await upload(bytes, { customerId: owner });
    expect(old.status).toBe(201);
    await t.hub.db.query('UPDATE review_photos SET created_at = $2 WHERE id = $1', [old.body.id, now - 2 * 86_400_000]);
    // a blob store whose put (finding the bytes already there) is followed at once by the sweep
    const real = parts().photos.blobs;
    let store: PhotoStore;
    const racing: BlobStore = {
      put: async (source, options) => {
        const stored = await real.put(source, options);
        await store.sweep(t.hub.db, now);
        return stored;
      },
      get: (key, range) => real.get(key, range),
      stat: (key) => real.stat(key),
      delete: (key) => real.delete(key),
      keys: () => real.keys(),
    };
    store = new PhotoStore(racing);
    const outcome = await store
      .upload(t.hub.db, owner, Readable.from([bytes]), 'image/png', { at: now })
      .then((photo) => ({ photo }))
      .catch((err: { status?: number }) => ({ status: err.status }));
    const { rows } = await t.hub.db.query<{ k: string }>(
      'SELECT blob_key AS k FROM review_photos WHERE customer_id = $1',
      [owner],
    );
    for (const { k } of rows) expect(await real.stat(k)).not.toBeNull();
    if ('photo' in outcome) {
      expect(rows).toHaveLength(1);
      const served = await store.open(t.hub.db, outcome.photo.id, true);
      expect(served).toBeDefined();
      served?.body.destroy();
    } else {
      expect(outcome.status).toBe(503);
      expect(rows).toHaveLength(0);
    }
  });
});
