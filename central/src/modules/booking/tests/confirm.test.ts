import { randomUUID } from 'node:crypto';
import { AppError } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import type { PaymentProvider } from '../../../kernel/ports/payments.js';
import { BookingSales, NoPaymentError, SETTLE_AFTER_MS, UNKNOWN_GIVE_UP_MS } from '../sales.js';
import { claimsOf, type SalesHub, salesHub } from './sales-harness.js';

describe.each(dbTargets)('confirming booking holds, on $name', (target) => {
  let h: SalesHub;
  beforeAll(async () => {
    h = await salesHub(target);
  });
  afterAll(async () => {
    await h?.stop();
  });
  const customer = () => randomUUID();
  const statusOf = async (holdId: string) => (await h.parts.holds.hold(holdId))!.status;
  /** The provider's authorise waits until the test calls `release()` (then answers as the simulator does). */
  const pausedAuthorise = async () => {
    const provider = h.payments as unknown as PaymentProvider;
    const real = provider.authorise;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let calls = 0;
    provider.authorise = async (req) => {
      calls++;
      await released;
      return real.call(provider, req);
    };
    const restore = () => {
      provider.authorise = real;
    };
    return { release, calls: () => calls, restore };
  };

  it('a paid confirm books the seats: 200 with the booking, its seats sold, one signed ticket per seat, the customer told', async () => {
    h.clock.at = null;
    const showId = await h.show({ rows: 1, perRow: 6, priceMinor: 1500 });
    const who = customer();
    const hold = await h.hold(showId, { customerId: who, seats: ['STALLS-A-2', 'STALLS-A-3'] });
    const r = await h.confirm(hold.id);
    expect(r.status).toBe(200);
    expect(r.body.booking).toMatchObject({
      id: hold.id,
      status: 'CONFIRMED',
      showId,
      title: 'Hamlet',
      seats: ['STALLS-A-2', 'STALLS-A-3'],
      places: 2,
      amountMinor: 3000,
      currency: 'GBP',
    });
    expect(r.body.tickets.map((x: { ticketNo: number; seat: string }) => [x.ticketNo, x.seat])).toEqual([
      [1, 'STALLS-A-2'],
      [2, 'STALLS-A-3'],
    ]);
    expect(r.body.tickets[0].code).toMatch(/^SFT1\./);
    expect(await claimsOf(h, showId)).toEqual({ claimed: 2, sold: 2 });
    expect(h.payments.payments.get(`booking:${hold.id}`)).toEqual({ status: 'CAPTURED', amountMinor: 3000 });
    const notices = await h.t.hub.db.query<{ kind: string; message: string }>(
      'SELECT kind, message FROM customer_notifications WHERE customer_id = $1',
      [who],
    );
    expect(notices.rows).toHaveLength(1);
    expect(notices.rows[0]!.kind).toBe('BOOKING_CONFIRMED');
    expect(notices.rows[0]!.message).toMatch(
      /^Your 2 tickets for 'Hamlet' on \w{3} \d{1,2} \w{3} \d\d:\d\d are booked — show their codes at the door\.$/,
    );
  });

  it('confirm at expiresAt − 1 ms wins over the sweeper; at expiresAt the sweeper has won and the seats are free', async () => {
    h.clock.at = null;
    const showId = await h.show({ rows: 1, perRow: 6 });
    const early = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-1'] });
    const late = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-6'] });

    h.clock.at = early.expiresAt - 1;
    expect((await h.confirm(early.id)).status).toBe(200);
    h.clock.at = early.expiresAt + 60_000;
    await h.parts.holds.expireDue();
    expect(await statusOf(early.id)).toBe('CONFIRMED');

    h.clock.at = late.expiresAt;
    const r = await h.confirm(late.id);
    expect(r.status).toBe(409);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body.detail).toMatch(/^this hold expired at \d\d:\d\d and its seats were released$/);
    expect(await statusOf(late.id)).toBe('EXPIRED');
    // the seat is free again: another customer holds it at once
    const again = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-6'] });
    expect(again.seats).toEqual(['STALLS-A-6']);
    h.clock.at = null;
  });

  it('confirm racing the sweeper, many times: each hold ends CONFIRMED xor EXPIRED, and its seats agree', async () => {
    h.clock.at = null;
    const rounds = 16;
    const showId = await h.show({ rows: 2, perRow: rounds });
    const holds = [];
    for (let i = 0; i < rounds; i++)
      holds.push(await h.hold(showId, { customerId: customer(), seats: [`STALLS-A-${i + 1}`, `STALLS-B-${i + 1}`] }));
    const outcomes: string[] = [];
    for (const hold of holds) {
      // the confirm sees the hold a millisecond before its expiry, the sweeper sees it at its expiry: both are entitled
      // to it by their clocks, and the one conditional write decides
      h.clock.at = hold.expiresAt - 1;
      // by turns: the confirm first, the sweeper first, and both at once — both orders and true overlaps occur
      const i = holds.indexOf(hold);
      const confirm = () => h.confirm(hold.id);
      const sweep = () => h.parts.holds.on(h.t.hub.db).expireDue(hold.expiresAt);
      let answer: Awaited<ReturnType<typeof confirm>>;
      if (i % 3 === 0) {
        answer = await confirm();
        await sweep();
      } else if (i % 3 === 1) {
        await sweep();
        answer = await confirm();
      } else [answer] = await Promise.all([confirm(), sweep()]);
      const status = await statusOf(hold.id);
      outcomes.push(status);
      expect(['CONFIRMED', 'EXPIRED']).toContain(status);
      expect(answer.status).toBe(status === 'CONFIRMED' ? 200 : 409);
      const claims = await h.t.hub.db.query<{ sold: boolean }>(
        'SELECT sold FROM booking_seat_claims WHERE hold_id = $1',
        [hold.id],
      );
      expect(claims.rows.map((c) => c.sold)).toEqual(status === 'CONFIRMED' ? [true, true] : []);
    }
    const confirmed = outcomes.filter((o) => o === 'CONFIRMED').length;
    expect(await claimsOf(h, showId)).toEqual({ claimed: confirmed * 2, sold: confirmed * 2 });
    h.clock.at = null;
  });

  it('a refused payment frees the seats: 402 with a sentence, FAILED, and another customer holds them at once', async () => {
    h.clock.at = null;
    const showId = await h.show({ rows: 1, perRow: 4 });
    const hold = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-1', 'STALLS-A-2'] });
    h.payments.next('decline');
    const r = await h.confirm(hold.id);
    expect(r.status).toBe(402);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body.detail).toBe('the payment was refused (insufficient funds); the seats were released');
    expect(r.body.booking.status).toBe('FAILED');
    expect(await statusOf(hold.id)).toBe('FAILED');
    const other = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-1', 'STALLS-A-2'] });
    expect(other.seats).toEqual(['STALLS-A-1', 'STALLS-A-2']);
  });

  it('a provider that does not answer leaves the hold CONFIRMING (202, seats kept); settle finishes it either way', async () => {
    const showId = await h.show({ rows: 1, perRow: 4 });
    const start = Date.now();
    h.clock.at = start;
    const approvedLater = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-1'] });
    const neverHeard = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-2'] });
    h.payments.next('timeout', 'timeout');
    const a = await h.confirm(approvedLater.id);
    const b = await h.confirm(neverHeard.id);
    expect(a.status).toBe(202);
    expect(a.body.booking.status).toBe('CONFIRMING');
    expect(a.body.message).toMatch(/has not answered yet/);
    expect(b.status).toBe(202);
    // long past the hold's expiry, the sweeper does not take a hold being paid for
    h.clock.at = start + 20 * 60_000;
    await h.parts.holds.expireDue();
    expect(await statusOf(approvedLater.id)).toBe('CONFIRMING');
    // the provider approved the first later (its answer was lost); it never heard of the second
    h.payments.payments.set(`booking:${approvedLater.id}`, { status: 'APPROVED', amountMinor: 1500 });
    h.clock.at = start + SETTLE_AFTER_MS - 1_000;
    await h.parts.sales.settle();
    expect(await statusOf(approvedLater.id)).toBe('CONFIRMING'); // not asked before 30 s
    h.clock.at = start + SETTLE_AFTER_MS + 1_000;
    await h.parts.sales.settle();
    expect(await statusOf(approvedLater.id)).toBe('CONFIRMED');
    expect(h.payments.payments.get(`booking:${approvedLater.id}`)?.status).toBe('CAPTURED');
    expect(await statusOf(neverHeard.id)).toBe('CONFIRMING'); // unknown: asked again until 10 minutes
    h.clock.at = start + UNKNOWN_GIVE_UP_MS + 1_000;
    await h.parts.sales.settle();
    expect(await statusOf(neverHeard.id)).toBe('FAILED');
    const seats = await h.t.hub.db.query<{ seat_no: number; sold: boolean }>(
      'SELECT seat_no, sold FROM booking_seat_claims WHERE show_id = $1 ORDER BY seat_no',
      [showId],
    );
    expect(seats.rows).toEqual([{ seat_no: 0, sold: true }]);
    h.clock.at = null;
  });

  it('the same Idempotency-Key answers a retry identically, and a concurrent one 409 while the first runs', async () => {
    h.clock.at = null;
    const showId = await h.show({ rows: 1, perRow: 4 });
    const paid = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-1'] });
    const key = `confirm-${randomUUID()}`;
    const first = await h.confirm(paid.id, { cookie: h.admin, idempotencyKey: key });
    const retry = await h.confirm(paid.id, { cookie: h.admin, idempotencyKey: key });
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);

    // the provider answers only when the test says: the first stays in flight, the same key meanwhile is refused,
    // and answered identically after
    const slow = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-2'] });
    const slowKey = `confirm-${randomUUID()}`;
    const answer = await pausedAuthorise();
    try {
      const inFlight = h.confirm(slow.id, { cookie: h.admin, idempotencyKey: slowKey });
      await waitFor('the first confirm is paying', async () => (await statusOf(slow.id)) === 'CONFIRMING');
      const concurrent = await h.confirm(slow.id, { cookie: h.admin, idempotencyKey: slowKey });
      expect(concurrent.status).toBe(409);
      // a new key while it is paid for: the sentence, not a second payment
      const other = await h.confirm(slow.id, { cookie: h.admin, idempotencyKey: `confirm-${randomUUID()}` });
      expect(other.status).toBe(409);
      expect(other.body.detail).toMatch(/being paid for/);
      answer.release();
      const done = await inFlight;
      expect(done.status).toBe(200);
      const later = await h.confirm(slow.id, { cookie: h.admin, idempotencyKey: slowKey });
      expect(later.status).toBe(200);
      expect(later.body).toEqual(done.body);
      expect(answer.calls()).toBe(1);
    } finally {
      answer.restore();
    }
  });

  it('a show cancelled while its confirm is at the payment provider: the hold fails, its seats free, the payment given back — never a paid booking of a cancelled show', async () => {
    h.clock.at = null;
    const showId = await h.show({ rows: 1, perRow: 4, priceMinor: 1500 });
    const hold = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-1', 'STALLS-A-2'] });
    const answer = await pausedAuthorise();
    try {
      const inFlight = h.confirm(hold.id);
      await waitFor('the confirm is paying', async () => (await statusOf(hold.id)) === 'CONFIRMING');
      const cancelled = await h.t.call(
        'POST',
        `/api/booking/shows/${showId}/cancel`,
        { reason: 'the venue flooded' },
        { cookie: h.admin },
      );
      expect(cancelled.status).toBe(200);
      answer.release();
      const r = await inFlight;
      expect(r.status).toBe(409);
      expect(r.body.detail).toBe(
        "'Hamlet' was cancelled while this booking was being paid for: nothing was booked, the seats were released and the payment is given back in full",
      );
    } finally {
      answer.restore();
    }
    const row = await h.t.hub.db.query<{ status: string; refund_minor: number; refund_state: string }>(
      'SELECT status, refund_minor, refund_state FROM booking_holds WHERE id = $1',
      [hold.id],
    );
    expect(row.rows[0]).toEqual({ status: 'FAILED', refund_minor: 3000, refund_state: 'DONE' });
    expect(h.payments.payments.get(`booking:${hold.id}`)?.status).toBe('REFUNDED');
    expect(await claimsOf(h, showId)).toEqual({ claimed: 0, sold: 0 });
  });

  it('confirm raced against the venue cancelling the show, many times: never a booking left paid on a cancelled show', async () => {
    h.clock.at = null;
    for (let i = 0; i < 12; i++) {
      const showId = await h.show({ rows: 1, perRow: 2, priceMinor: 1000 });
      const hold = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-1'] });
      const show = (await h.parts.holds.show(showId))!;
      const cancel = () => h.parts.sales.cancelShow(show, 'the venue flooded');
      if (i % 3 === 0) await Promise.all([h.confirm(hold.id), cancel()]);
      else if (i % 3 === 1) await Promise.all([cancel(), h.confirm(hold.id)]);
      else {
        await h.confirm(hold.id);
        await cancel();
      }
      const status = await statusOf(hold.id);
      expect(['CANCELLED', 'FAILED', 'RELEASED']).toContain(status);
      expect(['REFUNDED', 'VOIDED', undefined]).toContain(h.payments.payments.get(`booking:${hold.id}`)?.status);
      expect(await claimsOf(h, showId)).toEqual({ claimed: 0, sold: 0 });
    }
  });

  it('a confirmed hold confirmed again answers the same booking and tickets, and charges once', async () => {
    h.clock.at = null;
    const showId = await h.show({ kind: 'CAPACITY', capacity: 5, priceMinor: 2500 });
    const hold = await h.hold(showId, { customerId: customer(), places: 2 });
    const one = await h.confirm(hold.id);
    const two = await h.confirm(hold.id);
    expect(one.status).toBe(200);
    expect(two.body).toEqual(one.body);
    expect(one.body.booking).toMatchObject({ seats: [], places: 2, amountMinor: 5000 });
    expect(one.body.tickets.map((x: { seat: string }) => x.seat)).toEqual(['', '']);
  });

  it('a hub with no payment provider refuses a priced confirm with a 503 sentence and keeps the hold HELD', async () => {
    h.clock.at = null;
    const showId = await h.show({ rows: 1, perRow: 2 });
    const hold = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-1'] });
    const none: PaymentProvider = {
      authorise: async () => {
        throw new AppError('unavailable', 'no payment provider is configured');
      },
      void: async () => {},
      capture: async () => {},
      status: async () => 'UNKNOWN',
    };
    const sales = new BookingSales(
      h.ctx,
      h.parts.holds,
      h.parts.tickets,
      h.parts.storeFeed,
      () => none,
      () => undefined,
    );
    const show = (await h.parts.holds.show(showId))!;
    const err = await sales.confirm((await h.parts.holds.hold(hold.id))!, show).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoPaymentError);
    expect((err as NoPaymentError).status).toBe(503);
    expect((err as Error).message).toMatch(/no payment provider is configured/);
    expect(await statusOf(hold.id)).toBe('HELD');
  });

  it('a free booking is confirmed without asking the provider', async () => {
    h.clock.at = null;
    const showId = await h.show({ kind: 'CAPACITY', capacity: 3, priceMinor: 0 });
    const hold = await h.hold(showId, { customerId: customer(), places: 1 });
    const r = await h.confirm(hold.id);
    expect(r.status).toBe(200);
    expect(r.body.booking).toMatchObject({ status: 'CONFIRMED', amountMinor: 0 });
    expect(h.payments.payments.has(`booking:${hold.id}`)).toBe(false);
  });
});
