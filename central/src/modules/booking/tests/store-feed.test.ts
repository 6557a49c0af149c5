import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import type { AppliedEvent } from '../../../kernel/event-handlers.js';
import { admissionHandlers } from '../admissions.js';
import { bookingBootstrap, bookingReconciler } from '../bootstrap.js';
import { HOUR, HoldsHarness } from './holds-harness.js';

// Issue #19, lane D: what a store hears of booking (its feed and its cold start) and what its door tells the hub.
describe.each(dbTargets)('booking at the stores, the hub side, on $name', (target) => {
  let h: HoldsHarness;
  beforeAll(async () => {
    h = await HoldsHarness.start(target);
  }, 120_000);
  afterAll(() => h?.stop());

  const feedOf = async (storeId: string, type: string) =>
    (
      await h.db.query<{ payload: Record<string, unknown> }>(
        'SELECT payload FROM sync_feed WHERE store_id = $1 AND type = $2 ORDER BY seq',
        [storeId, type],
      )
    ).rows.map((r) => r.payload);
  const section = (token: string, after?: string, limit = 100) =>
    h.t.call(
      'GET',
      `/api/sync/bootstrap/booking?limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`,
      undefined,
      { bearer: token },
    );

  it("tells a store of the shows it runs (cheapest seat or the place price), and nothing of head office's", async () => {
    const before = (await feedOf(h.a.id, 'booking.show')).length;
    const seated = await h.show((await h.venue(h.a.id)).id, { title: 'Store A screening' });
    const room = await h.venue(h.a.id);
    const slot = await h.show(room.id, { title: 'Eye test', kind: 'CAPACITY', capacity: 4, priceMinor: 1200 });
    await h.show((await h.venue(null)).id, { title: 'Head office gala' });
    const entries = (await feedOf(h.a.id, 'booking.show')).slice(before);
    expect(entries).toEqual([
      expect.objectContaining({
        showId: seated.id,
        storeId: h.a.id,
        venueName: 'Riverside Playhouse',
        title: 'Store A screening',
        kind: 'SEATED',
        capacity: 36,
        priceFromMinor: 1500, // the circle, the cheaper section
        currency: 'GBP',
        status: 'ON_SALE',
        version: 1,
      }),
      expect.objectContaining({ showId: slot.id, kind: 'CAPACITY', capacity: 4, priceFromMinor: 1200 }),
    ]);
    expect((await feedOf(h.b.id, 'booking.show')).map((e) => e.title)).not.toContain('Head office gala');
  });

  it('tells the store of a cancelled booking, and hands a new disk its shows and then their cancelled bookings', async () => {
    const show = await h.show((await h.venue(h.a.id)).id, { title: 'Cancel me' });
    const hold = await h.must('hold', h.hold(show.id, { best: { count: 2 } }));
    const confirm = await h.t.call('POST', `/api/booking/holds/${hold.id}/confirm`, {}, { cookie: h.admin });
    expect(confirm.status).toBe(200);
    const cancel = await h.t.call('POST', `/api/booking/bookings/${hold.id}/cancel`, {}, { cookie: h.admin });
    expect(cancel.status).toBe(200);
    expect(await feedOf(h.a.id, 'booking.cancelled')).toContainEqual({
      bookingId: hold.id,
      showId: show.id,
      storeId: h.a.id,
      cancelledAt: expect.any(Number),
    });

    // the whole section in one page: every show of store A not ended, then the cancelled booking
    const whole = await section(h.a.token);
    expect(whole.status).toBe(200);
    const rows = whole.body.rows as Record<string, unknown>[];
    const shows = rows.filter((r) => 'showId' in r && 'title' in r);
    expect(rows.at(-1)).toEqual(expect.objectContaining({ bookingId: hold.id, showId: show.id }));
    expect(shows.map((s) => s.showId)).toContain(show.id);
    expect(shows.every((s) => s.storeId === h.a.id)).toBe(true);
    expect(whole.body.next).toBeNull();
    const counts = await h.t.call('GET', '/api/sync/bootstrap', undefined, { bearer: h.a.token });
    expect(counts.body.sections).toContainEqual({ name: 'booking', total: rows.length });

    // one row a page: the same rows, in the same order, across the two kinds
    const paged: unknown[] = [];
    let after: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = await section(h.a.token, after, 1);
      expect(page.status).toBe(200);
      paged.push(...page.body.rows);
      if (!page.body.next) break;
      after = page.body.next;
    }
    expect(paged).toEqual(rows);

    // store B runs none of them
    expect((await section(h.b.token)).body.rows).toEqual([]);
    // a cursor no page gave is refused, not a 500
    const bad = await section(h.a.token, 'x:not-a-cursor');
    expect(bad.status).toBe(400);
  });

  it('gives a rebased feed the store’s shows and cancelled bookings as the hub has them now', async () => {
    const source = bookingBootstrap(h.ctx);
    const items = await h.db.transaction((tx) => bookingReconciler(h.ctx.now)(tx, h.a.id));
    const { rows } = await source.page(h.db, h.a.id, null, 1000);
    expect(items.map((i) => i.payload)).toEqual(rows);
    expect(items.map((i) => i.type)).toEqual(
      rows.map((r) => ('title' in (r as object) ? 'booking.show' : 'booking.cancelled')),
    );
    expect(items.some((i) => i.type === 'booking.cancelled')).toBe(true);
    expect(await h.db.transaction((tx) => bookingReconciler(h.ctx.now)(tx, h.b.id))).toEqual([]);
  });

  it("leaves ended shows out of a new disk's section", async () => {
    const ended = await h.show((await h.venue(h.a.id)).id, { title: 'Already over' });
    const source = bookingBootstrap(h.ctx);
    const ids = async () =>
      ((await source.page(h.db, h.a.id, null, 1000)).rows as { showId?: string }[]).map((r) => r.showId);
    expect(await ids()).toContain(ended.id);
    h.t.clock.offsetMs += 52 * HOUR; // past its end (it started 48 h from then and ran 3 h)
    try {
      expect(await ids()).not.toContain(ended.id);
    } finally {
      h.t.clock.offsetMs -= 52 * HOUR;
    }
  });

  it('records a ticket let in once however often a door reports it; refuses another store’s booking', async () => {
    const show = await h.show((await h.venue(h.a.id)).id, { title: 'Door test' });
    const hold = await h.must('hold', h.hold(show.id, { best: { count: 2 } }));
    expect((await h.t.call('POST', `/api/booking/holds/${hold.id}/confirm`, {}, { cookie: h.admin })).status).toBe(200);
    const handle = admissionHandlers(h.ctx)['booking.admitted']!;
    const event = (seq: number, origin: string, payload: unknown): AppliedEvent => ({
      origin,
      seq,
      hlc: `${seq}`,
      type: 'booking.admitted',
      payload,
    });
    const admitted = { bookingId: hold.id, ticketNo: 1, showId: show.id, admittedAt: h.now(), by: 'handheld' };
    const first = await h.db.transaction((tx) => handle(tx, [event(1, h.a.id, admitted), event(2, h.a.id, admitted)]));
    expect(first).toEqual({ rejected: [] });
    const again = await h.db.transaction((tx) =>
      handle(tx, [
        event(3, h.a.id, admitted),
        event(4, h.b.id, { ...admitted, ticketNo: 2 }),
        event(5, h.a.id, { ...admitted, bookingId: randomUUID() }),
        event(6, h.a.id, { bookingId: 'not an id', ticketNo: 0 }),
      ]),
    );
    expect(again).toEqual({
      rejected: [
        { seq: 4, reason: `booking ${hold.id} is for a show at another store` },
        { seq: 5, reason: expect.stringMatching(/^booking .* not found$/) },
        { seq: 6, reason: expect.stringContaining('invalid booking.admitted payload') },
      ],
    });
    const { rows } = await h.db.query(
      'SELECT booking_id, ticket_no, show_id, store_id, by FROM booking_admissions WHERE booking_id = $1',
      [hold.id],
    );
    expect(rows).toEqual([{ booking_id: hold.id, ticket_no: 1, show_id: show.id, store_id: h.a.id, by: 'handheld' }]);
  });
});
