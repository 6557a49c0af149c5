import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import type { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { type SeatMapLive, UNCHANGED_READ_MS } from '../live/seat-map-live.js';
import { addShow, addVenue, counter, databaseMap, holdSeats, startLiveHub, Viewer } from './live-viewer.js';

const seat = (row: string, n: number) => `STALLS-${row}-${n}`;

/**
 * The live map's reads with every tick driven by the test and the hub's clock stopped: what is read, and what each
 * viewer is sent, per tick — counts that hold however fast the machine is.
 */
describe.each(dbTargets)('the live seat map’s reads, on $name', (target) => {
  let t: TestHub;
  let live: SeatMapLive;
  let admin: string;
  const clock = { ms: Date.now() };
  const viewers: Viewer[] = [];
  let client = 0;
  /** A viewer from an address of its own (the hub trusts its loopback proxy), so 50 are not one client's 50. */
  const watch = async (showId: string) => {
    const v = await Viewer.open(t, showId, { 'x-forwarded-for': `198.51.100.${(client++ % 250) + 1}` });
    viewers.push(v);
    return v;
  };
  const reads = () => counter(t, 'storefleet_hub_booking_seatmap_reads_total');
  const claimsRead = () => counter(t, 'storefleet_hub_booking_seatmap_claims_read_total');
  /** Runs `n` ticks, one after another. */
  const ticks = async (n: number) => {
    for (let i = 0; i < n; i++) await live.tick();
  };

  beforeAll(async () => {
    ({ t, live } = await startLiveHub(target, {
      driven: true,
      now: () => clock.ms,
      config: { trustProxy: 'loopback' },
    }));
    admin = await t.login();
  });
  afterEach(async () => {
    await Promise.all(viewers.splice(0).map((v) => v.close()));
    await waitFor('every viewer gone', () => live.viewers === 0);
  });
  afterAll(() => t?.stop());

  it('reads an idle hot show once a second, not at every tick', async () => {
    const venue = await addVenue(t, admin, 10, 30);
    const show = await addShow(t, admin, venue.id);
    // 100 seats held: each read of the show reads these 100 claims
    await Promise.all(
      Array.from({ length: 25 }, (_, h) =>
        holdSeats(
          t,
          admin,
          show.id,
          Array.from({ length: 4 }, (_, i) => seat('ABCD'[h % 4]!, Math.floor(h / 4) * 4 + i + 1)),
        ),
      ),
    );
    const v = await watch(show.id);
    expect(v.left).toBe(200);
    await ticks(1);

    const readsBefore = await reads();
    const claimsBefore = await claimsRead();
    // nothing happens, and the clock stands still: 8 ticks (2 s at the default 250 ms) read nothing
    await ticks(8);
    expect((await reads()) - readsBefore).toBe(0);
    // a second later the show is read once however many ticks run — changes of other hub replicas are seen so
    clock.ms += UNCHANGED_READ_MS;
    await ticks(4);
    expect((await reads()) - readsBefore).toBe(1);
    expect((await claimsRead()) - claimsBefore).toBe(100);
    clock.ms += UNCHANGED_READ_MS;
    await ticks(4);
    expect((await reads()) - readsBefore).toBe(2);
    expect((await claimsRead()) - claimsBefore).toBe(200);
    expect(v.changes).toBe(0);
  });

  it('shows a hold placed on this hub at the next tick, and one made elsewhere within a second', async () => {
    const venue = await addVenue(t, admin, 2, 10);
    const show = await addShow(t, admin, venue.id);
    const v = await watch(show.id);
    await ticks(1);

    // this hub holds, releases: the next tick reads the show, the clock unmoved
    const before = await reads();
    const held = await holdSeats(t, admin, show.id, [seat('A', 1), seat('A', 2)]);
    await ticks(1);
    expect((await reads()) - before).toBe(1);
    await waitFor('the hold on the map', () => v.seats === `hh${'.'.repeat(18)}`);
    expect((await t.call('DELETE', `/api/booking/holds/${held}`, undefined, { cookie: admin })).status).toBe(200);
    await ticks(1);
    await waitFor('the release on the map', () => v.seats === '.'.repeat(20));
    expect((await reads()) - before).toBe(2);

    // another replica sells a seat (this process hears nothing of it): unread while the clock stands still …
    const other = await holdSeats(t, admin, show.id, [seat('B', 10)]);
    await ticks(1);
    await waitFor('the second hold on the map', () => v.seats === `${'.'.repeat(19)}h`);
    await t.hub.db.query('UPDATE booking_seat_claims SET sold = true WHERE hold_id = $1', [other]);
    const quiet = await reads();
    await ticks(3);
    expect(await reads()).toBe(quiet);
    expect(v.seats).toBe(`${'.'.repeat(19)}h`);
    // … and read once a second has passed
    clock.ms += UNCHANGED_READ_MS;
    await ticks(1);
    await waitFor('the sale on the map', () => v.seats === `${'.'.repeat(19)}s`);
    expect(v.seats).toBe(await databaseMap(t, show.id, 20));
    expect(v.gaps).toEqual([]);
  });

  it('sends many viewers one frame per tick with many seats, not a frame per seat change', async () => {
    const venue = await addVenue(t, admin, 10, 30);
    const show = await addShow(t, admin, venue.id);
    const crowd = await Promise.all(Array.from({ length: 50 }, () => watch(show.id)));
    const framesBefore = await counter(t, 'storefleet_hub_booking_seatmap_frames_total', { type: 'changes' });
    const sendsBefore = await counter(t, 'storefleet_hub_booking_seatmap_sends_total');

    // 200 seats in 60 holds (20 of 4 seats, 40 of 3), placed all at once, then one tick
    const rows = 'ABCDEFGHIJ';
    const holds: string[][] = [];
    let next = 0;
    for (let h = 0; h < 60; h++) {
      const size = h < 20 ? 4 : 3;
      holds.push(
        Array.from({ length: size }, (_, i) => seat(rows[Math.floor((next + i) / 30)]!, ((next + i) % 30) + 1)),
      );
      next += size;
    }
    expect(next).toBe(200);
    await Promise.all(holds.map((seats) => holdSeats(t, admin, show.id, seats)));
    await ticks(1);

    const final = `${'h'.repeat(200)}${'.'.repeat(100)}`;
    for (const v of crowd) await waitFor('the tick’s frame', () => v.seats === final);
    // one changes frame for the 60 holds, serialised once and sent to each of the 50
    for (const v of crowd) expect(v.changes).toBe(1);
    expect(crowd[0]!.frames[1]).toMatchObject({ type: 'changes', free: [], sold: [], left: 100 });
    expect((await counter(t, 'storefleet_hub_booking_seatmap_frames_total', { type: 'changes' })) - framesBefore).toBe(
      1,
    );
    expect((await counter(t, 'storefleet_hub_booking_seatmap_sends_total')) - sendsBefore).toBe(50);
    // nothing moved since: more ticks send nothing
    clock.ms += UNCHANGED_READ_MS;
    await ticks(2);
    for (const v of crowd) expect(v.changes).toBe(1);
    for (const v of crowd) expect(v.gaps).toEqual([]);
  });

  it('shows a slot’s places taken here at the next tick', async () => {
    const venue = await addVenue(t, admin, 1, 5);
    const slot = await addShow(t, admin, venue.id, 12);
    const v = await watch(slot.id);
    const res = await t.call(
      'POST',
      `/api/booking/shows/${slot.id}/holds`,
      { customerId: randomUUID(), places: 3 },
      { cookie: admin },
    );
    expect(res.status).toBe(201);
    await ticks(1);
    await waitFor('the places left', () => v.left === 9);
  });
});
