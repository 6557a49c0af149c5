import { createPublicKey, verify } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { parseTicketCode, TICKET_CODE_PREFIX } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TicketSigner } from '../tickets.js';
import { type SalesHub, salesHub } from './sales-harness.js';

describe.each(dbTargets)('booking tickets and the door, on $name', (target) => {
  let h: SalesHub;
  beforeAll(async () => {
    h = await salesHub(target);
  });
  afterAll(async () => {
    await h?.stop();
  });
  const booked = async (showId: string, seats: string[]) => {
    const hold = await h.hold(showId, { customerId: randomUUID(), seats });
    const r = await h.confirm(hold.id);
    if (r.status !== 200) throw new Error(`confirm: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as { booking: { id: string }; tickets: { ticketNo: number; seat: string; code: string }[] };
  };
  const admit = (code: string) => h.t.call('POST', '/api/booking/admissions', { code }, { cookie: h.admin });
  /** The code with its payload's seat changed and the signature kept. */
  const tampered = (code: string, seat: string) => {
    const [prefix, payload, signature] = code.split('.');
    const claim = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    return [prefix, Buffer.from(JSON.stringify({ ...claim, l: seat })).toString('base64url'), signature].join('.');
  };

  it('tickets verify with the published key; a tampered one does not, and the door refuses it', async () => {
    await h.travel(null);
    const showId = await h.show({ rows: 1, perRow: 4 });
    const { booking, tickets } = await booked(showId, ['STALLS-A-1', 'STALLS-A-2']);
    const key = await h.t.call('GET', '/api/booking/ticket-key', undefined, { cookie: h.admin });
    expect(key.status).toBe(200);
    expect(key.body.algorithm).toBe('Ed25519');
    const publicKey = createPublicKey({
      key: Buffer.from(key.body.publicKey, 'base64url'),
      format: 'der',
      type: 'spki',
    });
    const check = (code: string) => {
      const p = parseTicketCode(code)!;
      return verify(null, Buffer.from(p.payload), publicKey, p.signature);
    };
    const show = (await h.parts.holds.show(showId))!;
    for (const t of tickets) {
      expect(t.code.startsWith(`${TICKET_CODE_PREFIX}.`)).toBe(true);
      expect(check(t.code)).toBe(true);
      expect(parseTicketCode(t.code)!.claim).toEqual({
        bookingId: booking.id,
        ticketNo: t.ticketNo,
        showId,
        storeId: null,
        startsAt: show.startsAt,
        endsAt: show.endsAt,
        seat: t.seat,
      });
    }
    const forged = tampered(tickets[0]!.code, 'STALLS-A-4');
    expect(check(forged)).toBe(false);
    const refused = await admit(forged);
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(/not genuine/);
    // the booking's tickets read again are the same codes
    const again = await h.t.call('GET', `/api/booking/bookings/${booking.id}/tickets`, undefined, { cookie: h.admin });
    expect(again.body.tickets).toEqual(tickets);
  });

  it('the key is created once and shared by every hub on the database', async () => {
    const other = new TicketSigner(h.ctx);
    await other.load();
    expect(other.publicKey).toBe(h.parts.tickets.publicKey);
    const count = await h.t.hub.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM hub_secrets WHERE name = 'booking-ticket-signing-key'",
    );
    expect(count.rows[0]!.n).toBe(1);
  });

  it('a ticket lets in once: the second time is refused with the time it was let in', async () => {
    await h.travel(null);
    const showId = await h.show({ rows: 1, perRow: 4 });
    const { tickets } = await booked(showId, ['STALLS-A-3', 'STALLS-A-4']);
    const first = await admit(tickets[1]!.code);
    expect(first.status).toBe(201);
    expect(first.body.admission).toMatchObject({ ticketNo: 2, seat: 'STALLS-A-4', title: 'Hamlet' });
    expect(first.body.message).toBe("let in: seat STALLS-A-4 for 'Hamlet'");
    const second = await admit(tickets[1]!.code);
    expect(second.status).toBe(409);
    expect(second.body.detail).toMatch(/^this ticket \(seat STALLS-A-4\) was already let in at \d\d:\d\d$/);
    // the other ticket of the booking is its own
    expect((await admit(tickets[0]!.code)).status).toBe(201);
  });

  it('a cancelled booking’s ticket and a ticket after the show are refused', async () => {
    await h.travel(null);
    const showId = await h.show({ rows: 1, perRow: 4 });
    const cancelled = await booked(showId, ['STALLS-A-1']);
    const kept = await booked(showId, ['STALLS-A-2']);
    await h.t.call('POST', `/api/booking/bookings/${cancelled.booking.id}/cancel`, {}, { cookie: h.admin });
    const r = await admit(cancelled.tickets[0]!.code);
    expect(r.status).toBe(409);
    expect(r.body.detail).toMatch(/cancelled/);
    const show = (await h.parts.holds.show(showId))!;
    await h.travel(show.endsAt + 1);
    const late = await admit(kept.tickets[0]!.code);
    expect(late.status).toBe(409);
    expect(late.body.detail).toMatch(/^'Hamlet' ended at \d\d:\d\d: the ticket no longer lets in$/);
    await h.travel(null);
  });
});
