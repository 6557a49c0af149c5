import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { claimsOf, HOUR_MS, type SalesHub, salesHub } from './sales-harness.js';

describe.each(dbTargets)('cancelling bookings and shows, on $name', (target) => {
  let h: SalesHub;
  beforeAll(async () => {
    h = await salesHub(target);
  });
  afterAll(async () => {
    await h?.stop();
  });
  const customer = () => randomUUID();
  const startsAt = async (showId: string) => (await h.parts.holds.show(showId))!.startsAt;
  const booked = async (showId: string, seats: string[], who = customer()) => {
    const hold = await h.hold(showId, { customerId: who, seats });
    const r = await h.confirm(hold.id);
    if (r.status !== 200) throw new Error(`confirm: ${r.status} ${JSON.stringify(r.body)}`);
    return hold.id;
  };
  const cancel = (bookingId: string, body: unknown = {}) =>
    h.t.call('POST', `/api/booking/bookings/${bookingId}/cancel`, body, { cookie: h.admin });
  const row = async (id: string) =>
    (
      await h.t.hub.db.query<{ status: string; refund_minor: number | null; refund_state: string | null }>(
        'SELECT status, refund_minor, refund_state FROM booking_holds WHERE id = $1',
        [id],
      )
    ).rows[0]!;

  it('cancelled a day or more before the show: a full refund, voided at the provider, the seats free, the customer told', async () => {
    await h.travel(null);
    const showId = await h.show({ rows: 1, perRow: 4, priceMinor: 2000 });
    const who = customer();
    const id = await booked(showId, ['STALLS-A-1', 'STALLS-A-2'], who);
    await h.travel((await startsAt(showId)) - 24 * HOUR_MS); // exactly at the cutoff: still in full
    const r = await cancel(id, { reason: 'cannot come' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      booking: { id, status: 'CANCELLED', seats: ['STALLS-A-1', 'STALLS-A-2'] },
      refundMinor: 4000,
      currency: 'GBP',
      rule: 'full refund up to 24 h before the show, none after',
    });
    expect(await row(id)).toEqual({ status: 'CANCELLED', refund_minor: 4000, refund_state: 'DONE' });
    expect(h.payments.payments.get(`booking:${id}`)?.status).toBe('REFUNDED');
    expect(await claimsOf(h, showId)).toEqual({ claimed: 0, sold: 0 });
    await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-1', 'STALLS-A-2'] });
    const notice = await h.t.hub.db.query<{ message: string }>(
      "SELECT message FROM customer_notifications WHERE customer_id = $1 AND kind = 'BOOKING_CANCELLED'",
      [who],
    );
    expect(notice.rows[0]?.message).toMatch(
      /^Your booking for 'Hamlet' on \w{3} \d{1,2} \w{3} \d\d:\d\d is cancelled\. £40\.00 is refunded to the card you paid with\.$/,
    );
    // asked again: the same answer, nothing refunded twice
    const again = await cancel(id);
    expect(again.status).toBe(200);
    expect(again.body.refundMinor).toBe(4000);
    await h.travel(null);
  });

  it('cancelled inside the cutoff: nothing refunded, the money stays captured', async () => {
    await h.travel(null);
    const showId = await h.show({ rows: 1, perRow: 4, priceMinor: 2000 });
    const id = await booked(showId, ['STALLS-A-3']);
    await h.travel((await startsAt(showId)) - 24 * HOUR_MS + 1);
    const r = await cancel(id);
    expect(r.status).toBe(200);
    expect(r.body.refundMinor).toBe(0);
    expect(await row(id)).toEqual({ status: 'CANCELLED', refund_minor: 0, refund_state: 'NONE' });
    expect(h.payments.payments.get(`booking:${id}`)?.status).toBe('CAPTURED');
    await h.travel(null);
  });

  it('a free booking cancelled: the customer is told there was nothing to pay, not that the refund cutoff passed', async () => {
    await h.travel(null);
    const showId = await h.show({ kind: 'CAPACITY', capacity: 3, priceMinor: 0, startsInMs: 2 * HOUR_MS });
    const who = customer();
    const hold = await h.hold(showId, { customerId: who, places: 1 });
    expect((await h.confirm(hold.id)).status).toBe(200);
    const r = await cancel(hold.id);
    expect(r.status).toBe(200);
    expect(r.body.refundMinor).toBe(0);
    const notice = await h.t.hub.db.query<{ message: string }>(
      "SELECT message FROM customer_notifications WHERE customer_id = $1 AND kind = 'BOOKING_CANCELLED'",
      [who],
    );
    expect(notice.rows[0]?.message).toMatch(/is cancelled\. It was free, so there is nothing to refund\.$/);
  });

  it("follows the show's own cutoff (48 h)", async () => {
    await h.travel(null);
    const showId = await h.show({ rows: 1, perRow: 4, refundCutoffHours: 48 });
    const id = await booked(showId, ['STALLS-A-1']);
    await h.travel((await startsAt(showId)) - 30 * HOUR_MS);
    const r = await cancel(id);
    expect(r.body).toMatchObject({ refundMinor: 0, rule: 'full refund up to 48 h before the show, none after' });
    await h.travel(null);
  });

  it('a hold not yet booked is released, not cancelled; a refund the provider refuses is retried by settle', async () => {
    await h.travel(null);
    const showId = await h.show({ rows: 1, perRow: 4 });
    const held = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-4'] });
    const r = await cancel(held.id);
    expect(r.status).toBe(409);
    expect(r.body.detail).toMatch(/release it instead/);

    const id = await booked(showId, ['STALLS-A-1']);
    const provider = h.payments as unknown as { void(key: string): Promise<void> };
    const realVoid = provider.void;
    provider.void = async () => {
      throw new Error('the provider is down');
    };
    const t0 = Date.now();
    await h.travel(t0);
    try {
      expect((await cancel(id)).body.refundMinor).toBe(1500);
      expect(await row(id)).toMatchObject({ refund_state: 'DUE' });
      await h.travel(t0 + 61_000); // refused once: tried again a minute later
      await h.parts.sales.settle();
      expect(await row(id)).toMatchObject({ refund_state: 'DUE' });
    } finally {
      provider.void = realVoid;
    }
    await h.parts.sales.settle(); // refused twice: not before two minutes after the last try
    expect(await row(id)).toMatchObject({ refund_state: 'DUE' });
    await h.travel(t0 + 61_000 + 121_000);
    await h.parts.sales.settle();
    expect(await row(id)).toMatchObject({ refund_state: 'DONE' });
    expect(h.payments.payments.get(`booking:${id}`)?.status).toBe('REFUNDED');
    await h.travel(null);
  });

  it('refunds the provider keeps refusing are backed off: a later refund is made while a hundred older ones keep failing', async () => {
    const t0 = Date.now();
    await h.travel(t0);
    const showId = await h.show({ rows: 1, perRow: 4, priceMinor: 1500 });
    const older = await booked(showId, ['STALLS-A-1']);
    const later = await booked(showId, ['STALLS-A-2']);
    const provider = h.payments as unknown as { void(key: string): Promise<void> };
    const realVoid = provider.void;
    let down = true;
    const failing = new Set<string>();
    provider.void = async (key: string) => {
      if (down || failing.has(key)) throw new Error('the provider refuses this refund');
      return realVoid.call(provider, key);
    };
    try {
      expect((await cancel(older)).body.refundMinor).toBe(1500);
      // a hundred more refunds owed from before, each refused so far (as many as a settle round takes)
      const { rows } = await h.t.hub.db.query<{ id: string }>(
        `INSERT INTO booking_holds
         SELECT (jsonb_populate_record(NULL::booking_holds, to_jsonb(h) || jsonb_build_object(
                   'id', gen_random_uuid(), 'customer_id', gen_random_uuid(), 'ended_at', h.ended_at - 1000 - g))).*
         FROM booking_holds h, generate_series(1, 100) g WHERE h.id = $1 RETURNING id`,
        [older],
      );
      for (const r of [...rows, { id: older }]) failing.add(`booking:${r.id}`);
      await h.travel(t0 + 1_000);
      expect((await cancel(later)).body.refundMinor).toBe(1500);
      expect(await row(later)).toMatchObject({ refund_state: 'DUE' });
      down = false; // the provider is back, but keeps refusing the older ones
      for (let round = 1; round <= 4; round++) {
        await h.travel(t0 + round * 61_000 + 1_000);
        await h.parts.sales.settle();
      }
      expect(await row(later)).toMatchObject({ refund_state: 'DONE' });
      expect(h.payments.payments.get(`booking:${later}`)?.status).toBe('REFUNDED');
      expect(await row(older)).toMatchObject({ refund_state: 'DUE' });
    } finally {
      provider.void = realVoid;
      await h.t.hub.db.query(`UPDATE booking_holds SET refund_state = 'DONE' WHERE refund_state = 'DUE'`);
      await h.travel(null);
    }
  });

  it('a booking with a ticket already let in at the door is not cancelled (409 with the time); the venue cancelling the show still refunds it', async () => {
    await h.travel(null);
    const showId = await h.show({ rows: 1, perRow: 4, priceMinor: 4000, refundCutoffHours: 0 });
    const id = await booked(showId, ['STALLS-A-1', 'STALLS-A-2']);
    const tickets = await h.t.call('GET', `/api/booking/bookings/${id}/tickets`, undefined, { cookie: h.admin });
    await h.travel((await startsAt(showId)) - HOUR_MS); // the door is open; the cutoff (the start) not passed
    const admitted = await h.t.call(
      'POST',
      '/api/booking/admissions',
      { code: tickets.body.tickets[1].code },
      { cookie: h.admin },
    );
    expect(admitted.status).toBe(201);
    const r = await cancel(id);
    expect(r.status).toBe(409);
    expect(r.body.detail).toMatch(/^ticket 2 was let in at \d\d:\d\d: a booking used at the door is not cancelled$/);
    expect(await row(id)).toMatchObject({ status: 'CONFIRMED', refund_state: null });
    expect(h.payments.payments.get(`booking:${id}`)?.status).toBe('CAPTURED');
    const show = (await h.parts.holds.show(showId))!;
    await h.parts.sales.cancelShow(show, 'the projector broke');
    expect(await row(id)).toEqual({ status: 'CANCELLED', refund_minor: 8000, refund_state: 'DONE' });
    await h.travel(null);
  });

  it('a show cancelled by the venue: every booking refunded in full (even inside the cutoff), holds released, the waitlist emptied; again changes nothing', async () => {
    await h.travel(null);
    // two hours ahead: inside the 24 h cutoff, so only the venue's cancel refunds anything
    const showId = await h.show({ rows: 1, perRow: 3, priceMinor: 1000, startsInMs: 2 * HOUR_MS });
    const a = await booked(showId, ['STALLS-A-1']);
    const b = await booked(showId, ['STALLS-A-2']);
    const held = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-3'] });
    const waiting = await h.t.call(
      'POST',
      `/api/booking/shows/${showId}/waitlist`,
      { customerId: customer(), places: 1 },
      { cookie: h.admin },
    );
    expect(waiting.status).toBe(201);
    const before = (await h.parts.holds.show(showId))!.version;
    const r = await h.t.call(
      'POST',
      `/api/booking/shows/${showId}/cancel`,
      { reason: 'the lead is ill' },
      { cookie: h.admin },
    );
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      showId,
      status: 'CANCELLED',
      version: before + 1,
      bookingsCancelled: 2,
      holdsReleased: 1,
      waitlistLeft: 1,
    });
    for (const id of [a, b])
      expect(await row(id)).toEqual({ status: 'CANCELLED', refund_minor: 1000, refund_state: 'DONE' });
    expect((await row(held.id)).status).toBe('RELEASED');
    expect(await claimsOf(h, showId)).toEqual({ claimed: 0, sold: 0 });
    const again = await h.t.call(
      'POST',
      `/api/booking/shows/${showId}/cancel`,
      { reason: 'again' },
      { cookie: h.admin },
    );
    expect(again.body).toMatchObject({ version: before + 1, bookingsCancelled: 0, holdsReleased: 0, waitlistLeft: 0 });
    // nothing more is sold
    const late = await h.t.call(
      'POST',
      `/api/booking/shows/${showId}/holds`,
      { customerId: customer(), seats: ['STALLS-A-1'] },
      { cookie: h.admin },
    );
    expect(late.status).toBe(409);
    await h.travel(null);
  });
});
