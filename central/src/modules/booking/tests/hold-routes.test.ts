import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { STORE_CALLER_LIVE_HOLDS } from '../service.js';
import { HoldsHarness } from './holds-harness.js';

describe.each(dbTargets)('who reaches holds, on $name', (target) => {
  let h: HoldsHarness;
  let storeShow: string;
  let officeShow: string;
  beforeAll(async () => {
    h = await HoldsHarness.start(target);
    storeShow = (await h.show((await h.venue(h.a.id)).id)).id;
    officeShow = (await h.show((await h.venue(null)).id)).id;
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('lets store A’s people and node hold at its shows, hides them from store B, and asks anonymous to sign in', async () => {
    const seats = (n: number) => ({ seats: [`STALLS-B-${n}`] });
    expect((await h.hold(storeShow, seats(1), { bearer: h.a.token })).status).toBe(201);
    expect((await h.hold(storeShow, seats(2), { cookie: h.managerA })).status).toBe(201);
    expect((await h.hold(storeShow, seats(3), { cookie: h.associateA })).status).toBe(201);
    const hidden = await h.hold(storeShow, seats(4), { bearer: h.b.token });
    expect(hidden.status).toBe(404);
    expect(hidden.body.detail).toBe(`show ${storeShow} not found`);
    expect((await h.hold(storeShow, seats(4), { cookie: h.associateB })).status).toBe(404);
    expect((await h.hold(storeShow, seats(4), {})).status).toBe(401);
    // head office's shows take any signed-in caller
    expect((await h.hold(officeShow, seats(4), { bearer: h.b.token })).status).toBe(201);
    expect((await h.hold(officeShow, seats(5), { cookie: h.associateB })).status).toBe(201);
    expect((await h.hold(officeShow, seats(6), {})).status).toBe(401);
    expect((await h.claims(storeShow)).claims).toHaveLength(3);
  });

  it('shows a hold to whoever placed it, head office and the show’s store; releases it for them', async () => {
    const byB = await h.must('hold', h.hold(officeShow, { seats: ['CIRCLE-A-1'] }, { bearer: h.b.token }));
    const get = (id: string, who: { cookie?: string; bearer?: string }) =>
      h.t.call('GET', `/api/booking/holds/${id}`, undefined, who);
    expect((await get(byB.id, { bearer: h.b.token })).status).toBe(200);
    expect((await get(byB.id, { cookie: h.admin })).status).toBe(200);
    expect((await get(byB.id, { cookie: h.associateB })).status).toBe(404);
    expect((await get(byB.id, { bearer: h.a.token })).status).toBe(404);
    expect((await get(byB.id, {})).status).toBe(401);
    const atA = await h.must('hold', h.hold(storeShow, { seats: ['CIRCLE-A-1'] }, { cookie: h.admin }));
    expect((await get(atA.id, { cookie: h.associateA })).status).toBe(200);
    expect((await get(atA.id, { bearer: h.b.token })).status).toBe(404);
    expect((await get(randomUUID(), { cookie: h.admin })).status).toBe(404);
    expect((await get('not-an-id', { cookie: h.admin })).status).toBe(400);

    const del = (id: string, who: { cookie?: string; bearer?: string }) =>
      h.t.call('DELETE', `/api/booking/holds/${id}`, undefined, who);
    expect((await del(atA.id, { bearer: h.b.token })).status).toBe(404);
    expect((await get(atA.id, { cookie: h.admin })).body.status).toBe('HELD');
    const released = await del(atA.id, { bearer: h.a.token });
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ status: 'RELEASED', seats: ['CIRCLE-A-1'] });
    expect((await del(atA.id, { bearer: h.a.token })).body.detail).toContain('already ended (released)');
    // a confirmed booking is cancelled through the sales routes, not released
    const sold = await h.must('hold', h.hold(storeShow, { seats: ['CIRCLE-A-2'] }, { cookie: h.admin }));
    await h.db.query(`UPDATE booking_holds SET status = 'CONFIRMED' WHERE id = $1`, [sold.id]);
    const refused = await del(sold.id, { cookie: h.admin });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('cancel the booking instead');
  });

  it('lists a show’s holds for head office and its store only, in pages, with no holds in the public reads', async () => {
    const list = (who: { cookie?: string; bearer?: string }, q = '') =>
      h.t.call('GET', `/api/booking/shows/${storeShow}/holds${q}`, undefined, who);
    const page = await list({ cookie: h.managerA }, '?status=HELD&limit=2');
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.items.every((x: { status: string }) => x.status === 'HELD')).toBe(true);
    const next = await list({ cookie: h.managerA }, `?status=HELD&limit=2&after=${page.body.next}`);
    expect(next.body.items.map((x: { id: string }) => x.id)).not.toContain(page.body.items[0].id);
    expect((await list({ bearer: h.a.token })).status).toBe(200);
    expect((await list({ bearer: h.b.token })).status).toBe(404);
    expect((await list({})).status).toBe(401);
    expect((await list({ cookie: h.admin }, '?status=LOST')).status).toBe(400);
    // anyone reads the show and its map: counts and seat states, never who holds what
    const show = await h.t.call('GET', `/api/booking/shows/${storeShow}`);
    const map = await h.t.call('GET', `/api/booking/shows/${storeShow}/seats`);
    expect(show.status).toBe(200);
    expect(map.status).toBe(200);
    for (const x of page.body.items as { id: string; customerId: string }[]) {
      expect(JSON.stringify([show.body, map.body])).not.toContain(x.id);
      expect(JSON.stringify([show.body, map.body])).not.toContain(x.customerId);
    }
    expect((await h.t.call('GET', `/api/booking/shows/${randomUUID()}`)).status).toBe(404);
  });

  it('lets one store caller have at most 8 live holds at a show, however many customers it names; head office is not bounded', async () => {
    const show = (await h.show((await h.venue(null)).id)).id; // head office's: 36 seats
    const seat = (n: number) => ({ seats: [`STALLS-${'BC'[Math.floor(n / 10)]}-${(n % 10) + 1}`] });
    const tries = await Promise.all(Array.from({ length: 12 }, (_, n) => h.hold(show, seat(n), { bearer: h.b.token })));
    expect(tries.filter((r) => r.status === 201)).toHaveLength(STORE_CALLER_LIVE_HOLDS);
    const refused = tries.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(12 - STORE_CALLER_LIVE_HOLDS);
    for (const r of refused) {
      expect(r.status).toBe(409);
      expect(r.body.detail).toBe(
        `you already have ${STORE_CALLER_LIVE_HOLDS} live holds at Hamlet, the most one store caller may have at once: confirm or release one first`,
      );
    }
    const { holds } = await h.claims(show);
    expect(holds).toHaveLength(STORE_CALLER_LIVE_HOLDS);
    // another caller of the same store has its own count; a released hold makes room again
    expect((await h.hold(show, seat(12), { cookie: h.associateB })).status).toBe(201);
    const first = tries.find((r) => r.status === 201)!;
    expect(
      (await h.t.call('DELETE', `/api/booking/holds/${first.body.id}`, undefined, { bearer: h.b.token })).status,
    ).toBe(200);
    expect((await h.hold(show, seat(13), { bearer: h.b.token })).status).toBe(201);
    expect((await h.hold(show, seat(14), { bearer: h.b.token })).status).toBe(409);
    // head office sells for many customers under one key
    const office = [1, 2, 3, 4, 5, 6].flatMap((n) => [`CIRCLE-A-${n}`, `STALLS-A-${n + 2}`]);
    for (const label of office) expect((await h.hold(show, { seats: [label] }, { cookie: h.admin })).status).toBe(201);
  });

  it('names another caller’s live hold of the customer only to those who may see it', async () => {
    const show = (await h.show((await h.venue(null)).id)).id;
    const customerId = randomUUID();
    const theirs = await h.hold(show, { customerId, seats: ['STALLS-A-5'] }); // head office's console
    expect(theirs.status).toBe(201);
    const toB = await h.hold(show, { customerId, seats: ['STALLS-A-9'] }, { bearer: h.b.token });
    expect(toB.status).toBe(409);
    expect(toB.body.detail).toBe('this customer already holds seats for this show; confirm or release them first');
    expect(JSON.stringify(toB.body)).not.toContain(theirs.body.id);
    const toAdmin = await h.hold(show, { customerId, seats: ['STALLS-A-9'] }, { cookie: h.admin });
    expect(toAdmin.status).toBe(409);
    expect(toAdmin.body.detail).toMatch(
      new RegExp(`already holds seats for this show until \\d\\d:\\d\\d \\(hold ${theirs.body.id}\\)`),
    );
    expect(toAdmin.body.holdId).toBe(theirs.body.id);
  });
});
