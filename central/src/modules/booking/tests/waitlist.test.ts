import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { type SalesHub, salesHub } from './sales-harness.js';

describe.each(dbTargets)('booking waitlists, on $name', (target) => {
  let h: SalesHub;
  beforeAll(async () => {
    h = await salesHub(target);
  });
  afterAll(async () => {
    await h?.stop();
  });
  const customer = () => randomUUID();
  const join = (showId: string, body: Record<string, unknown>) =>
    h.t.call('POST', `/api/booking/shows/${showId}/waitlist`, body, { cookie: h.admin });
  const release = (holdId: string) =>
    h.t.call('DELETE', `/api/booking/holds/${holdId}`, undefined, { cookie: h.admin });
  const entries = async (showId: string) =>
    (
      await h.t.hub.db.query<{ customer_id: string; status: string; offer_hold_id: string | null }>(
        'SELECT customer_id, status, offer_hold_id FROM booking_waitlist WHERE show_id = $1 ORDER BY position',
        [showId],
      )
    ).rows;
  /** The entries' statuses in queue order; an offer counts once its hold is placed (it is claimed a moment before). */
  const statuses = async (showId: string) =>
    (await entries(showId)).map((e) => (e.status === 'OFFERED' && !e.offer_hold_id ? 'OFFERING' : e.status)).join(' ');

  it('is refused while the show has the seats: hold them instead', async () => {
    await h.travel(null);
    const showId = await h.show({ rows: 1, perRow: 4 });
    await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-1', 'STALLS-A-2', 'STALLS-A-3'] });
    const r = await join(showId, { customerId: customer(), places: 1 });
    expect(r.status).toBe(409);
    expect(r.body.detail).toBe('seats are available: hold them instead (1 seat free)');
    expect((await join(showId, { customerId: customer(), places: 2 })).status).toBe(201);
  });

  it('offers freed seats in order: the first, then the second; an offer let expire lapses and the next is offered', async () => {
    await h.travel(null);
    const showId = await h.show({ rows: 1, perRow: 4 });
    const x = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-1', 'STALLS-A-2'] });
    const y = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-3', 'STALLS-A-4'] });
    const [w1, w2, w3] = [customer(), customer(), customer()];
    const joined = [];
    for (const c of [w1, w2, w3]) joined.push(await join(showId, { customerId: c, places: 2 }));
    expect(joined.map((j) => [j.status, j.body.status, j.body.ahead])).toEqual([
      [201, 'WAITING', 0],
      [201, 'WAITING', 1],
      [201, 'WAITING', 2],
    ]);
    const list = await h.t.call('GET', `/api/booking/shows/${showId}/waitlist`, undefined, { cookie: h.admin });
    expect(list.body.items.map((e: { customerId: string }) => e.customerId)).toEqual([w1, w2, w3]);

    expect((await release(x.id)).status).toBe(200);
    await waitFor('the first is offered', async () => (await statuses(showId)) === 'OFFERED WAITING WAITING');
    expect((await release(y.id)).status).toBe(200);
    await waitFor('the second is offered', async () => (await statuses(showId)) === 'OFFERED OFFERED WAITING');

    const offers = await entries(showId);
    const offer1 = (await h.parts.holds.hold(offers[0]!.offer_hold_id!))!;
    const offer2 = (await h.parts.holds.hold(offers[1]!.offer_hold_id!))!;
    expect(offer1).toMatchObject({ customerId: w1, origin: 'WAITLIST', status: 'HELD', places: 2 });
    expect(offer2).toMatchObject({ customerId: w2, origin: 'WAITLIST', status: 'HELD', places: 2 });
    const notice = await h.t.hub.db.query<{ message: string }>(
      "SELECT message FROM customer_notifications WHERE customer_id = $1 AND kind = 'BOOKING_WAITLIST_OFFER'",
      [w1],
    );
    expect(notice.rows[0]?.message).toMatch(
      /^Good news from the waitlist: your 2 seats for 'Hamlet' on .+ are held for you until \d\d:\d\d — confirm to book them\.$/,
    );

    // the second books its offer; the first lets its offer expire: it lapses and the third is offered those seats
    expect((await h.confirm(offer2.id)).status).toBe(200);
    await h.travel(offer1.expiresAt + 1);
    await h.parts.holds.expireDue();
    await waitFor(
      'the first lapses and the third is offered',
      async () => (await statuses(showId)) === 'LAPSED BOOKED OFFERED',
    );
    const third = (await entries(showId))[2]!;
    expect((await h.parts.holds.hold(third.offer_hold_id!))!.customerId).toBe(w3);
    await h.travel(null);
  });

  it('the head keeps its place: nobody behind it is offered the seats it cannot use yet', async () => {
    await h.travel(null);
    const showId = await h.show({ rows: 1, perRow: 4 });
    const a = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-1', 'STALLS-A-2'] });
    await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-3', 'STALLS-A-4'] });
    expect((await join(showId, { customerId: customer(), places: 3 })).status).toBe(201);
    expect((await join(showId, { customerId: customer(), places: 1 })).body.ahead).toBe(1);
    await release(a.id);
    // the release's own offer round runs after its answer: let it end, then run one more
    await waitFor('no offer being placed', async () => !(await statuses(showId)).includes('OFFERING'));
    await h.parts.waitlist.offerAll();
    // no round claims the head while its three seats are not free (nothing is written)
    expect(await statuses(showId)).toBe('WAITING WAITING');
    const offered = await h.t.hub.db.query("SELECT id FROM booking_holds WHERE show_id = $1 AND origin = 'WAITLIST'", [
      showId,
    ]);
    expect(offered.rows).toEqual([]);
  });

  it('an offer round that can offer nothing changes nothing: a sold-out slot, and seats free but not together', async () => {
    const rowsOf = async (showId: string) =>
      (await h.t.hub.db.query('SELECT * FROM booking_waitlist WHERE show_id = $1 ORDER BY position', [showId])).rows;
    const t0 = Date.now();
    await h.travel(t0);
    const slot = await h.show({ kind: 'CAPACITY', capacity: 1 });
    await h.hold(slot, { customerId: customer(), places: 1 });
    expect((await join(slot, { customerId: customer(), places: 1 })).status).toBe(201);
    // seats 2 and 4 free, then 5 too: three free, but no three together
    const seated = await h.show({ rows: 1, perRow: 5 });
    await h.hold(seated, { customerId: customer(), seats: ['STALLS-A-1'] });
    await h.hold(seated, { customerId: customer(), seats: ['STALLS-A-3'] });
    const last = await h.hold(seated, { customerId: customer(), seats: ['STALLS-A-5'] });
    expect((await join(seated, { customerId: customer(), places: 3 })).status).toBe(201);
    await release(last.id);
    // The release's own offer round (and the hub's periodic one) may be claiming an entry at any moment: a claim that
    // cannot be offered is given back exactly as it was, so the rows are compared whenever no claim is in flight.
    const settled = async () => {
      const rows = [await rowsOf(slot), await rowsOf(seated)];
      return rows.flat().some((r) => r.status === 'OFFERED' && !r.offer_hold_id) ? undefined : rows;
    };
    const before = await waitFor('no offer being placed', settled);
    await h.travel(t0 + 5_000);
    await h.parts.waitlist.offerAll();
    await h.parts.waitlist.offerFreed([slot, seated]);
    expect(await waitFor('no offer being placed', settled)).toEqual(before);
    expect(await statuses(seated)).toBe('WAITING');
    await h.travel(null);
  });

  it('an offer reaches whoever put the customer on the waitlist: a store at a head-office show reads and confirms it, and lists its own entries', async () => {
    await h.travel(null);
    const store = await h.t.store(`WL${randomUUID().slice(0, 6).toUpperCase()}`, h.admin);
    const asStore = { bearer: store.token };
    const showId = await h.show({ rows: 1, perRow: 2 });
    const blocker = await h.hold(showId, { customerId: customer(), seats: ['STALLS-A-1', 'STALLS-A-2'] });
    const theirs = customer();
    const joined = await h.t.call(
      'POST',
      `/api/booking/shows/${showId}/waitlist`,
      { customerId: theirs, places: 1 },
      asStore,
    );
    expect(joined.status).toBe(201);
    expect((await join(showId, { customerId: customer(), places: 2 })).status).toBe(201); // head office's, behind
    const listed = await h.t.call('GET', `/api/booking/shows/${showId}/waitlist`, undefined, asStore);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: joined.body.id, customerId: theirs, ahead: 0 })]);
    await release(blocker.id);
    await waitFor('the offer is made', async () => (await statuses(showId)).startsWith('OFFERED'));
    const offer = (await entries(showId))[0]!.offer_hold_id!;
    const read = await h.t.call('GET', `/api/booking/holds/${offer}`, undefined, asStore);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ customerId: theirs, origin: 'WAITLIST', status: 'HELD' });
    const confirmed = await h.confirm(offer, asStore);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.booking.status).toBe('CONFIRMED');
  });

  it('a customer leaves, and joins again; a bad entry is refused', async () => {
    await h.travel(null);
    const showId = await h.show({ kind: 'CAPACITY', capacity: 1 });
    await h.hold(showId, { customerId: customer(), places: 1 });
    const e = await join(showId, { customerId: customer(), places: 1 });
    const left = await h.t.call('DELETE', `/api/booking/waitlist/${e.body.id}`, undefined, { cookie: h.admin });
    expect(left.status).toBe(200);
    expect(left.body.status).toBe('LEFT');
    const again = await h.t.call('DELETE', `/api/booking/waitlist/${e.body.id}`, undefined, { cookie: h.admin });
    expect(again.status).toBe(409);
    const dup = await join(showId, { customerId: customer(), places: 2 });
    expect(dup.status).toBe(201);
    const bad = await join(showId, { customerId: customer(), places: 11 });
    expect(bad.status).toBe(400);
    const section = await join(showId, { customerId: customer(), places: 1, section: 'STALLS' });
    expect(section.status).toBe(422);
  });
});
