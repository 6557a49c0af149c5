import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { HoldsHarness } from './holds-harness.js';

describe.each(dbTargets)('holding seats and places, on $name', (target) => {
  let h: HoldsHarness;
  let venueId: string;
  beforeAll(async () => {
    h = await HoldsHarness.start(target);
    venueId = (await h.venue()).id;
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('holds named seats for 10 minutes at the sections’ prices, and the seat map shows them held', async () => {
    const show = await h.show(venueId);
    const customerId = randomUUID();
    const before = h.now();
    const r = await h.hold(show.id, { customerId, seats: ['STALLS-B-5', 'CIRCLE-A-1'] });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      showId: show.id,
      status: 'HELD',
      seats: ['STALLS-B-5', 'CIRCLE-A-1'],
      places: 2,
      amountMinor: 2500 + 1500,
      currency: 'GBP',
      customerId,
    });
    expect(r.body.expiresAt).toBeGreaterThanOrEqual(before + 10 * 60_000);
    expect(r.body.expiresAt).toBeLessThanOrEqual(h.now() + 10 * 60_000);
    const map = await h.t.call('GET', `/api/booking/shows/${show.id}/seats`);
    expect(map.status).toBe(200);
    expect(map.body.seats).toHaveLength(36);
    const stallsB = map.body.rows.find(
      (x: { section: string; row: string }) => x.section === 'STALLS' && x.row === 'B',
    );
    expect(map.body.seats[stallsB.firstSeatNo + 4]).toBe('h');
    expect(map.body.free).toBe(34);
    expect(map.body.rows[0].kinds).toBe('WCSSSSSSSS');
    expect(JSON.stringify(map.body)).not.toContain(customerId);
    const one = await h.t.call('GET', `/api/booking/shows/${show.id}`);
    expect(one.body.left).toBe(34);
    // viewing never extends it
    const again = await h.t.call('GET', `/api/booking/holds/${r.body.id}`, undefined, { cookie: h.admin });
    expect(again.body.expiresAt).toBe(r.body.expiresAt);
  });

  it('lets exactly one of 20 parallel holds on one seat win; the others hear the seat is taken', async () => {
    const show = await h.show(venueId);
    const answers = await Promise.all(Array.from({ length: 20 }, () => h.hold(show.id, { seats: ['STALLS-C-5'] })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    const lost = answers.filter((a) => a.status !== 201);
    expect(lost).toHaveLength(19);
    for (const a of lost) {
      expect(a.status).toBe(409);
      expect(a.headers.get('content-type')).toContain('application/problem+json');
      expect(a.body.detail).toContain('seat STALLS-C-5 is taken');
    }
    const { claims, holds } = await h.claims(show.id);
    expect(claims).toHaveLength(1);
    expect(holds).toHaveLength(1);
  });

  it('never leaves a partial hold when overlapping multi-seat holds race', async () => {
    const show = await h.show(venueId);
    // 30 callers, each wanting 2–4 seats of row B that overlap their neighbours’
    const wants = Array.from({ length: 30 }, (_, i) => {
      const from = 1 + (i % 8);
      const n = 2 + (i % 3);
      return Array.from({ length: n }, (_, k) => `STALLS-B-${Math.min(10, from + k)}`).filter(
        (l, k, all) => all.indexOf(l) === k,
      );
    });
    const answers = await Promise.all(wants.map((seats) => h.hold(show.id, { seats })));
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true);
    expect(answers.some((a) => a.status === 201)).toBe(true);
    const { claims, holds } = await h.claims(show.id);
    // every hold has exactly its seats claimed, no seat is in two holds
    const bySeat = new Map(claims.map((c) => [c.seat_no, c.hold_id]));
    expect(bySeat.size).toBe(claims.length);
    for (const hold of holds) {
      const mine = claims.filter((c) => c.hold_id === hold.id).map((c) => c.seat_no);
      expect(mine.sort((a, b) => a - b)).toEqual([...hold.seat_nos].sort((a, b) => a - b));
    }
    expect(holds).toHaveLength(answers.filter((a) => a.status === 201).length);
    const won = answers.filter((a) => a.status === 201).flatMap((a) => a.body.seats as string[]);
    expect(new Set(won).size).toBe(won.length);
  });

  it('gives a customer one live hold per show, and frees the seats on release', async () => {
    const show = await h.show(venueId);
    const customerId = randomUUID();
    const first = await h.hold(show.id, { customerId, seats: ['STALLS-C-1'] });
    expect(first.status).toBe(201);
    const second = await h.hold(show.id, { customerId, seats: ['STALLS-C-2'] });
    expect(second.status).toBe(409);
    expect(second.body.detail).toMatch(
      new RegExp(`already holds seats for this show until \\d\\d:\\d\\d \\(hold ${first.body.id}\\)`),
    );
    expect((await h.claims(show.id)).claims).toHaveLength(1);
    const released = await h.t.call('DELETE', `/api/booking/holds/${first.body.id}`, undefined, { cookie: h.admin });
    expect(released.status).toBe(200);
    expect(released.body.status).toBe('RELEASED');
    expect((await h.claims(show.id)).claims).toHaveLength(0);
    const twice = await h.t.call('DELETE', `/api/booking/holds/${first.body.id}`, undefined, { cookie: h.admin });
    expect(twice.status).toBe(409);
    const third = await h.hold(show.id, { customerId, seats: ['STALLS-C-1'] });
    expect(third.status).toBe(201);
  });

  it('picks the best adjacent seats, front row middle first, and says when none are left', async () => {
    const show = await h.show(venueId);
    const a = await h.hold(show.id, { best: { count: 4, section: 'STALLS' } });
    expect(a.status).toBe(201);
    // the front row, centred (row A’s seats 1 and 2, a wheelchair space and its companion, are never picked)
    expect(a.body.seats).toEqual(['STALLS-A-4', 'STALLS-A-5', 'STALLS-A-6', 'STALLS-A-7']);
    const next = await h.hold(show.id, { best: { count: 3, section: 'STALLS' } });
    expect(next.body.seats).toEqual(['STALLS-A-8', 'STALLS-A-9', 'STALLS-A-10']);
    const b = await h.hold(show.id, { best: { count: 6, section: 'CIRCLE' } });
    expect(b.body.seats).toHaveLength(6);
    const none = await h.hold(show.id, { best: { count: 1, section: 'CIRCLE' } });
    expect(none.status).toBe(409);
    expect(none.body.detail).toContain('no 1 adjacent seats left in CIRCLE');
    // parallel best holds never share a seat
    const many = await Promise.all(Array.from({ length: 12 }, () => h.hold(show.id, { best: { count: 3 } })));
    const seats = many.filter((x) => x.status === 201).flatMap((x) => x.body.seats as string[]);
    expect(new Set(seats).size).toBe(seats.length);
    expect(many.every((x) => x.status === 201 || x.status === 409)).toBe(true);
  });

  it('keeps wheelchair spaces for accessible holds and companion seats beside them', async () => {
    const show = await h.show(venueId);
    const wheel = await h.hold(show.id, { seats: ['STALLS-A-1'] });
    expect(wheel.status).toBe(422);
    expect(wheel.body.detail).toContain('STALLS-A-1 is a wheelchair space');
    const companion = await h.hold(show.id, { seats: ['STALLS-A-2'], accessible: true });
    expect(companion.status).toBe(422);
    expect(companion.body.detail).toContain('companion seat');
    const both = await h.hold(show.id, { seats: ['STALLS-A-1', 'STALLS-A-2'], accessible: true });
    expect(both.status).toBe(201);
  });

  it('refuses unknown and repeated seats and a mixed request, writing nothing', async () => {
    const show = await h.show(venueId);
    const unknown = await h.hold(show.id, { seats: ['STALLS-Z-1', 'STALLS-B-1', 'BALCONY-A-1'] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail).toContain('there is no seat STALLS-Z-1 and BALCONY-A-1');
    const twice = await h.hold(show.id, { seats: ['STALLS-B-1', 'STALLS-B-1'] });
    expect(twice.status).toBe(422);
    const both = await h.hold(show.id, { seats: ['STALLS-B-1'], best: { count: 1 } });
    expect(both.status).toBe(422);
    for (const body of [
      { seats: [] },
      { seats: Array.from({ length: 11 }, (_, i) => `STALLS-B-${i + 1}`) },
      { seats: ['stalls-b-1'] },
      { best: { count: 0 } },
      { seats: ['STALLS-B-1'], extra: 1 },
      { customerId: 'not-a-uuid', seats: ['STALLS-B-1'] },
      { seats: ['STALLS-B-1\u0000'] },
    ]) {
      const r = await h.hold(show.id, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
    const { claims, holds } = await h.claims(show.id);
    expect(claims).toHaveLength(0);
    expect(holds).toHaveLength(0);
  });

  it('never sells more places than a CAPACITY slot has, whatever the parallel holds', async () => {
    const v = await h.venue(null, [{ code: 'ROOM', name: 'Room', priceMinor: 0, rows: [{ label: 'A', seats: 1 }] }]);
    const slot = await h.show(v.id, { kind: 'CAPACITY', capacity: 7, priceMinor: 1200, title: 'Eye test' });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => h.hold(slot.id, { places: 1 + (i % 2) })));
    const won = answers.filter((a) => a.status === 201);
    const places = won.reduce((a, r) => a + r.body.places, 0);
    expect(places).toBeLessThanOrEqual(7);
    expect(places).toBeGreaterThanOrEqual(6);
    for (const r of won) expect(r.body.amountMinor).toBe(r.body.places * 1200);
    for (const r of answers.filter((a) => a.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.body.detail).toMatch(/only 1 place left|is full/);
    }
    const after = await h.t.call('GET', `/api/booking/shows/${slot.id}`);
    expect(after.body.left).toBe(7 - places);
    const { rows } = await h.db.query<{ taken: number; sum: number }>(
      `SELECT taken, (SELECT coalesce(sum(places), 0)::int FROM booking_holds WHERE show_id = $1 AND status = 'HELD') AS sum
       FROM booking_shows WHERE id = $1`,
      [slot.id],
    );
    expect(rows[0]).toEqual({ taken: places, sum: places });
  });

  it('refuses holds on a show that has started or was cancelled', async () => {
    const show = await h.show(venueId);
    await h.db.query(`UPDATE booking_shows SET status = 'CANCELLED' WHERE id = $1`, [show.id]);
    const cancelled = await h.hold(show.id, { seats: ['STALLS-B-2'] });
    expect(cancelled.status).toBe(409);
    expect(cancelled.body.detail).toContain('was cancelled');
    const startsAt = h.now() + 2 * 60_000;
    const soon = await h.show(venueId, { startsAt, endsAt: startsAt + 3_600_000 });
    h.t.clock.offsetMs += 2 * 60_000;
    try {
      const started = await h.hold(soon.id, { seats: ['STALLS-B-2'] });
      expect(started.status).toBe(409);
      expect(started.body.detail).toContain('has started');
    } finally {
      h.t.clock.offsetMs -= 2 * 60_000;
    }
  });
});
