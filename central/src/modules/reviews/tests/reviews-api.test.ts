import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { StoreOutbox } from '../../../../tests/support/store-outbox.js';
import { reviewPurchaseSink } from '../purchases.js';
import { customerAtA, reviewBody, reviewsHub, reviewTables } from './reviews-harness.js';

/** A paid sale at a lane with the customer's loyalty card: one line of `sku`. */
function cardedSale(saleId: string, sku: string, card: string, closedAt: number) {
  return {
    saleId,
    lane: 'LANE-1',
    currency: 'USD',
    openedAt: closedAt - 60_000,
    closedAt,
    lines: [{ sku, qty: 1, unitPriceMinor: 1000, taxClass: 'STANDARD', subtotalMinor: 1000, taxMinor: 100 }],
    subtotalMinor: 1000,
    taxMinor: 100,
    totalMinor: 1100,
    tenders: [{ kind: 'CARD', amountMinor: 1100, reference: `AUTH-${saleId}` }],
    customerCard: card,
  };
}

// Issue #24, lane A: a customer's review from submit to delete, as the web backend (head office) and a kiosk see it.
describe.each(dbTargets)('reviews: submit, read, edit, delete on $name', (target) => {
  const h = reviewsHub(target, ['KETTLE', 'TOASTER', 'MUG']);

  it('lists a review of a product bought with a card at a lane as verified, with the summary counting it', async () => {
    const ana = await customerAtA(h, 'Ana Pérez');
    const outbox = new StoreOutbox(h.t, h.storeA.id);
    expect(
      await outbox.send(outbox.event('sale.completed', cardedSale('S-REV-1', 'KETTLE', ana.card, Date.now()))),
    ).toEqual({ ackedSeq: 1 });

    const made = await h.t.call('POST', '/api/reviews', reviewBody(ana.id, 'KETTLE', { rating: 5 }), {
      cookie: h.admin,
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      sku: 'KETTLE',
      rating: 5,
      title: 'Solid product',
      author: 'Ana P.',
      status: 'APPROVED',
      verified: true,
      revision: 1,
      customerId: ana.id,
      notice: 'published',
      photos: [],
      response: null,
    });
    // the author's answer: no scoring, no client (head office reads those)
    expect(made.body).not.toHaveProperty('fraud');
    expect(made.body).not.toHaveProperty('client');
    const admin = await h.t.call('GET', `/api/reviews/${made.body.id}`, undefined, { cookie: h.admin });
    expect(admin.body).toMatchObject({
      fraud: { score: 0.1, reasons: [], modelVersion: 7 },
      client: { ip: '203.0.113.7', deviceId: 'app-device-1' },
    });
    expect(h.scorer.asked.at(-1)).toMatchObject({ reviewId: null, sku: 'KETTLE', customerId: ana.id, verified: true });
    expect(h.scorer.remembered).toContain(made.body.id);

    const list = await h.t.call('GET', '/api/reviews/products/KETTLE', undefined, { bearer: h.storeB.token });
    expect(list.status).toBe(200);
    expect(list.body.reviews).toHaveLength(1);
    expect(list.body.reviews[0]).toMatchObject({ id: made.body.id, author: 'Ana P.', verified: true });
    // what every caller sees holds no customer id, scoring or client
    expect(list.body.reviews[0]).not.toHaveProperty('customerId');
    expect(list.body.reviews[0]).not.toHaveProperty('fraud');
    expect(list.body.summary).toMatchObject({
      sku: 'KETTLE',
      count: 1,
      average: 5,
      histogram: [0, 0, 0, 0, 1],
      verified: 1,
      withPhotos: 0,
      revision: 1,
    });
    const summary = await h.t.call('GET', '/api/reviews/products/KETTLE/summary', undefined, { cookie: h.admin });
    expect(summary.body).toEqual(list.body.summary);
  });

  it('marks a review verified from a purchase told to the port’s sink (a confirmed order), and not without one', async () => {
    const bo = await customerAtA(h, 'Bo Lindqvist');
    // the port's sink, as the order saga tells it of a confirmed order
    await reviewPurchaseSink.record(h.ctx.db, [
      {
        customerId: bo.id,
        sku: 'TOASTER',
        kind: 'PURCHASE',
        storeId: null,
        source: 'order',
        sourceRef: 'ORDER-1',
        at: Date.now(),
      },
    ]);
    const toaster = await h.t.call('POST', '/api/reviews', reviewBody(bo.id, 'TOASTER'), { cookie: h.admin });
    const mug = await h.t.call('POST', '/api/reviews', reviewBody(bo.id, 'MUG'), { cookie: h.admin });
    expect([toaster.status, toaster.body.verified, toaster.body.author]).toEqual([201, true, 'Bo L.']);
    expect([mug.status, mug.body.verified]).toEqual([201, false]);
    const verifiedOnly = await h.t.call('GET', '/api/reviews/products/MUG?verified=true', undefined, {
      cookie: h.admin,
    });
    expect(verifiedOnly.body.reviews).toEqual([]);
  });

  it('refuses a second standing review of the same product with 409 naming the first, and changes nothing', async () => {
    const cy = await customerAtA(h, 'Cy');
    const first = await h.t.call('POST', '/api/reviews', reviewBody(cy.id, 'MUG'), { cookie: h.admin });
    expect([first.status, first.body.author]).toEqual([201, 'Cy']);
    const before = await reviewTables(h.ctx.db);
    const again = await h.t.call('POST', '/api/reviews', reviewBody(cy.id, 'MUG', { rating: 1 }), {
      cookie: h.admin,
    });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.body.detail).toContain(first.body.id);
    expect(again.body.reviewId).toBe(first.body.id);
    expect(await reviewTables(h.ctx.db)).toBe(before);
  });

  it('404s a product the catalog does not hold, naming it', async () => {
    const di = await customerAtA(h, 'Di Moss');
    const r = await h.t.call('POST', '/api/reviews', reviewBody(di.id, 'NO-SUCH-SKU'), { cookie: h.admin });
    expect(r.status).toBe(404);
    expect(r.body.detail).toContain('NO-SUCH-SKU');
  });

  it('lets a kiosk write for its own customer (its address and kiosk as the client), 404s another store', async () => {
    const ed = await customerAtA(h, 'Ed Nolan');
    const body = reviewBody(ed.id, 'KETTLE', { client: { ip: '198.51.100.1', deviceId: 'spoofed' } });
    const other = await h.t.call('POST', '/api/reviews', body, { bearer: h.storeB.token });
    expect(other.status).toBe(404);
    expect(other.body.detail).toBe(`customer ${ed.id} not found`);
    const mine = await h.t.call('POST', '/api/reviews', body, { bearer: h.storeA.token });
    expect(mine.status).toBe(201);
    const asAdmin = await h.t.call('GET', `/api/reviews/${mine.body.id}`, undefined, { cookie: h.admin });
    expect(asAdmin.body.client.deviceId).toBe(`store:${h.storeA.id}`);
    expect(asAdmin.body.client.ip).toMatch(/127\.0\.0\.1|::1/);
    // store B sees the approved review like anyone, but not Ed's list nor its revisions
    expect(
      (await h.t.call('GET', `/api/reviews/${mine.body.id}`, undefined, { bearer: h.storeB.token })).body,
    ).not.toHaveProperty('customerId');
    expect(
      (await h.t.call('GET', `/api/reviews/customers/${ed.id}`, undefined, { bearer: h.storeB.token })).status,
    ).toBe(404);
    expect(
      (await h.t.call('GET', `/api/reviews/${mine.body.id}/revisions`, undefined, { bearer: h.storeB.token })).status,
    ).toBe(404);
    // a card scan at A's kiosk lets A write for Ed, not read his reviews (mayReadProfile): 404 as for store B
    const own = await h.t.call('GET', `/api/reviews/customers/${ed.id}`, undefined, { bearer: h.storeA.token });
    expect(own.status).toBe(404);
    const asOffice = await h.t.call('GET', `/api/reviews/customers/${ed.id}`, undefined, { cookie: h.admin });
    expect(asOffice.body.reviews.map((r: { id: string }) => r.id)).toEqual([mine.body.id]);
    // a store deletes for another store's customer: 404, nothing changed
    const del = await h.t.call('DELETE', `/api/reviews/${mine.body.id}?customerId=${ed.id}`, undefined, {
      bearer: h.storeB.token,
    });
    expect(del.status).toBe(404);
    expect((await h.t.call('GET', `/api/reviews/${mine.body.id}`, undefined, { cookie: h.admin })).body.status).toBe(
      'APPROVED',
    );
  });

  it('keeps an edit’s old text as a revision, scores it again, and moves the summary when it leaves APPROVED', async () => {
    const fay = await customerAtA(h, 'Fay Ortiz');
    const made = await h.t.call('POST', '/api/reviews', reviewBody(fay.id, 'TOASTER', { rating: 2 }), {
      cookie: h.admin,
    });
    const before = (await h.t.call('GET', '/api/reviews/products/TOASTER/summary', undefined, { cookie: h.admin }))
      .body;
    expect(before.histogram[1]).toBe(1);

    const edited = await h.t.call(
      'PUT',
      `/api/reviews/${made.body.id}`,
      { customerId: fay.id, rating: 4, title: '  Better than I said  ', body: 'Second thoughts: it is fine. [manual]' },
      { cookie: h.admin },
    );
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      id: made.body.id,
      rating: 4,
      title: 'Better than I said',
      status: 'MANUAL_REVIEW',
      notice: 'pending moderation',
      revision: 2,
    });
    expect(edited.body).not.toHaveProperty('fraud');
    expect((await h.t.call('GET', `/api/reviews/${made.body.id}`, undefined, { cookie: h.admin })).body).toMatchObject({
      fraud: { score: 0.6, reasons: [{ code: 'TEXT_MODEL' }] },
    });
    expect(h.scorer.asked.at(-1)).toMatchObject({ reviewId: made.body.id, rating: 4 });
    const after = (await h.t.call('GET', '/api/reviews/products/TOASTER/summary', undefined, { cookie: h.admin })).body;
    expect(after.histogram).toEqual([
      before.histogram[0],
      0,
      before.histogram[2],
      before.histogram[3],
      before.histogram[4],
    ]);
    expect(after.revision).toBeGreaterThan(before.revision);

    const revisions = await h.t.call('GET', `/api/reviews/${made.body.id}/revisions`, undefined, {
      cookie: h.admin,
    });
    expect(revisions.status).toBe(200);
    expect(revisions.body.revisions).toEqual([
      {
        revision: 1,
        rating: 2,
        title: 'Solid product',
        body: 'It does what the box says, and it still works after a month.',
        photoIds: [],
        writtenAt: made.body.createdAt,
      },
    ]);
    // not shown to others while a moderator looks at it
    expect((await h.t.call('GET', `/api/reviews/${made.body.id}`, undefined, { bearer: h.storeB.token })).status).toBe(
      404,
    );
    // an edit that is rejected leaves the review unchangeable: 409
    const rejected = await h.t.call(
      'PUT',
      `/api/reviews/${made.body.id}`,
      { customerId: fay.id, rating: 5, title: 'x', body: 'buy buy buy buy [reject]' },
      { cookie: h.admin },
    );
    expect(rejected.body.status).toBe('REJECTED');
    const locked = await h.t.call(
      'PUT',
      `/api/reviews/${made.body.id}`,
      { customerId: fay.id, rating: 5, title: 'x', body: 'one more time, really' },
      { cookie: h.admin },
    );
    expect(locked.status).toBe(409);
  });

  it('deletes by the author: 204, gone from the list and the summary, 404 to edit, and a new review may follow', async () => {
    const gil = await customerAtA(h, 'Gil Park');
    const made = await h.t.call('POST', '/api/reviews', reviewBody(gil.id, 'MUG', { rating: 1 }), {
      bearer: h.storeA.token,
    });
    const before = (await h.t.call('GET', '/api/reviews/products/MUG/summary', undefined, { cookie: h.admin })).body;
    const other = await customerAtA(h, 'Not Gil');
    expect(
      (
        await h.t.call('DELETE', `/api/reviews/${made.body.id}?customerId=${other.id}`, undefined, {
          cookie: h.admin,
        })
      ).status,
    ).toBe(404);
    const del = await h.t.call('DELETE', `/api/reviews/${made.body.id}?customerId=${gil.id}`, undefined, {
      bearer: h.storeA.token,
    });
    expect(del.status).toBe(204);
    const after = (await h.t.call('GET', '/api/reviews/products/MUG/summary', undefined, { cookie: h.admin })).body;
    expect(after.count).toBe(before.count - 1);
    expect(after.histogram[0]).toBe(before.histogram[0] - 1);
    const list = await h.t.call('GET', '/api/reviews/products/MUG?limit=50', undefined, { cookie: h.admin });
    expect(list.body.reviews.map((r: { id: string }) => r.id)).not.toContain(made.body.id);
    expect((await h.t.call('GET', `/api/reviews/${made.body.id}`, undefined, { bearer: h.storeA.token })).status).toBe(
      404,
    );
    expect((await h.t.call('GET', `/api/reviews/${made.body.id}`, undefined, { cookie: h.admin })).body.status).toBe(
      'DELETED',
    );
    const edit = await h.t.call(
      'PUT',
      `/api/reviews/${made.body.id}`,
      { customerId: gil.id, rating: 3, title: 'back', body: 'I changed my mind again.' },
      { cookie: h.admin },
    );
    expect(edit.status).toBe(404);
    const again = await h.t.call('POST', '/api/reviews', reviewBody(gil.id, 'MUG', { rating: 3 }), {
      cookie: h.admin,
    });
    expect(again.status).toBe(201);
  });
});
