import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { SalesRepository } from '../sales-repository.js';
import { HoldsHarness, MINUTE } from './holds-harness.js';

describe.each(dbTargets)('holds expire, on $name', (target) => {
  let h: HoldsHarness;
  let venueId: string;
  /** The hub's clock, stopped: it moves only when a test moves it — or, while `running`, real time plus an offset. */
  let clock = Date.now();
  let running: number | null = null;
  beforeAll(async () => {
    h = await HoldsHarness.start(target, () => (running === null ? clock : Date.now() + running));
    venueId = (await h.venue()).id;
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  const status = async (holdId: string) =>
    (await h.t.call('GET', `/api/booking/holds/${holdId}`, undefined, { cookie: h.admin })).body;

  it('keeps a hold until 10 minutes have passed, and the 1 s sweep frees its seats at expiry', async () => {
    const show = await h.show(venueId);
    const placedAt = clock;
    const hold = await h.must('hold', h.hold(show.id, { seats: ['STALLS-B-3', 'STALLS-B-4'] }));
    expect(hold.expiresAt).toBe(placedAt + 10 * MINUTE);

    clock = hold.expiresAt - 1;
    expect(await h.parts.holds.expireDue()).toBe(0);
    expect((await status(hold.id)).status).toBe('HELD');
    // reading the hold, the show or the map never moves its expiry
    await h.t.call('GET', `/api/booking/shows/${show.id}/seats`);
    expect((await status(hold.id)).expiresAt).toBe(hold.expiresAt);

    // the hub's clock runs with real time from the hold's expiry on; the hub's own job (every second) frees it at the
    // hub's time then — nothing calls the sweeper here — so its end says how late the job was
    running = hold.expiresAt - Date.now();
    let ended: { status: string; endedAt: number };
    try {
      ended = await waitFor('the expiry job to free the hold', async () => {
        const s = await status(hold.id);
        return s.status === 'EXPIRED' && s;
      });
    } finally {
      clock = h.now();
      running = null;
    }
    expect(ended.endedAt).toBeGreaterThanOrEqual(hold.expiresAt);
    expect(ended.endedAt - hold.expiresAt).toBeLessThanOrEqual(5_000);
    const map = await h.t.call('GET', `/api/booking/shows/${show.id}/seats`);
    expect(map.body.seats).not.toContain('h');
    expect((await h.claims(show.id)).claims).toHaveLength(0);
    // and the seats can be held again
    expect((await h.hold(show.id, { seats: ['STALLS-B-3'] })).status).toBe(201);
  });

  it('uses the show’s own hold length, and gives a CAPACITY slot’s places back at expiry', async () => {
    const v = await h.venue(null, [{ code: 'ROOM', name: 'Room', priceMinor: 0, rows: [{ label: 'A', seats: 1 }] }]);
    const slot = await h.show(v.id, { kind: 'CAPACITY', capacity: 3, priceMinor: 500, holdMinutes: 2 });
    const hold = await h.must('hold', h.hold(slot.id, { places: 3 }));
    expect(hold.expiresAt).toBe(clock + 2 * MINUTE);
    expect((await h.hold(slot.id, { places: 1 })).status).toBe(409);
    clock = hold.expiresAt;
    expect(await h.parts.holds.expireDue()).toBe(1);
    expect((await h.t.call('GET', `/api/booking/shows/${slot.id}`)).body.left).toBe(3);
    expect((await h.hold(slot.id, { places: 3 })).status).toBe(201);
  });

  it('frees every hold past its expiry and tells the waitlist which shows got seats back, once per show', async () => {
    const show = await h.show(venueId);
    const other = await h.show(venueId);
    const ids: string[] = [];
    for (let i = 1; i <= 10; i++) {
      ids.push((await h.must('hold', h.hold(show.id, { seats: [`STALLS-C-${i}`] }))).id);
      ids.push((await h.must('hold', h.hold(other.id, { seats: [`STALLS-C-${i}`] }))).id);
    }
    const told: string[][] = [];
    const was = h.parts.holds.onFreed;
    h.parts.holds.onFreed = (showIds) => told.push([...showIds]);
    try {
      clock += 11 * MINUTE;
      await waitFor('every hold expired', async () => {
        const { rows } = await h.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM booking_holds WHERE id = ANY($1::uuid[]) AND status = 'EXPIRED'`,
          [ids],
        );
        return rows[0]?.n === ids.length;
      });
    } finally {
      h.parts.holds.onFreed = was;
    }
    // (the earlier tests' holds expire in the same sweep: their shows are told too)
    const mine = told.flat().filter((id) => id === show.id || id === other.id);
    expect(mine.sort()).toEqual([show.id, other.id].sort());
  });

  it('frees more holds than one sweep batch (500), every claim with them', async () => {
    const v = await h.venue(null, [
      {
        code: 'HALL',
        name: 'Hall',
        priceMinor: 100,
        rows: Array.from({ length: 3 }, (_, r) => ({ label: `R${r}`, seats: 250 })),
      },
    ]);
    const show = await h.show(v.id);
    // 700 holds of one seat each, as 700 customers would leave them (written straight in: the API is not the point)
    await h.db.query(
      `WITH h AS (
         INSERT INTO booking_holds (id, show_id, customer_id, status, seat_nos, places, amount_minor, currency,
           expires_at, created_at, created_by, updated_at)
         SELECT gen_random_uuid(), $1, gen_random_uuid(), 'HELD', ARRAY[n], 1, 100, 'GBP', $2, $2, 'test', $2
         FROM generate_series(0, 699) AS n RETURNING id, seat_nos[1] AS seat_no
       ) INSERT INTO booking_seat_claims (show_id, seat_no, hold_id) SELECT $1, seat_no, id FROM h`,
      [show.id, clock],
    );
    clock += 11 * MINUTE;
    // the hub's job may sweep alongside this call: together they end every one, each hold once
    await h.parts.holds.expireDue();
    await waitFor('all 700 holds expired', async () => {
      const { rows } = await h.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM booking_holds WHERE show_id = $1 AND status = 'EXPIRED'`,
        [show.id],
      );
      return rows[0]?.n === 700;
    });
    expect((await h.claims(show.id)).claims).toHaveLength(0);
    expect((await h.t.call('GET', `/api/booking/shows/${show.id}`)).body.left).toBe(750);
  });

  it('lets exactly one of a confirm and the sweeper win each hold at its expiry', async () => {
    const show = await h.show(venueId);
    const holds: { id: string; expiresAt: number }[] = [];
    for (let i = 1; i <= 6; i++) holds.push(await h.must('hold', h.hold(show.id, { seats: [`CIRCLE-A-${i}`] })));
    const at = holds[0]!.expiresAt;
    clock = at;
    // the sales side's own move of a hold to paying (the confirm's first write): only a HELD hold not yet past its
    // expiry (its clock a millisecond behind the sweeper's)
    const confirm = (id: string) => new SalesRepository(h.db).startConfirming(id, at - 1);
    await Promise.all([...holds.map((x) => confirm(x.id)), h.parts.holds.expireDue(), h.parts.holds.expireDue()]);
    const { claims, holds: rows } = await h.claims(show.id);
    for (const x of rows) {
      expect(['CONFIRMING', 'EXPIRED']).toContain(x.status);
      const claimed = claims.filter((c) => c.hold_id === x.id).length;
      expect(claimed).toBe(x.status === 'CONFIRMING' ? 1 : 0);
    }
    expect(rows).toHaveLength(6);
  });
});
