import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { handshake } from '../../../../tests/support/ws-handshake.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import { SeatMapLive } from '../live/seat-map-live.js';
import type { SeatHolder } from '../types.js';
import { addShow, addVenue, databaseMap, holdSeats, Viewer } from './live-viewer.js';

const seat = (row: string, n: number) => `STALLS-${row}-${n}`;

describe.each(dbTargets)('the live seat map, on $name', (target) => {
  let t: TestHub;
  let admin: string;
  const viewers: Viewer[] = [];
  const watch = async (showId: string, headers?: Record<string, string>) => {
    const v = await Viewer.open(t, showId, headers);
    viewers.push(v);
    return v;
  };
  /** Waits until the viewer's map (snapshot + changes) is the database's, and its count left matches. */
  const converged = (v: Viewer, showId: string, seatCount: number) =>
    waitFor(`the viewer's map to equal the database's for show ${showId}`, async () => {
      const db = await databaseMap(t, showId, seatCount);
      const free = [...db].filter((c) => c === '.').length;
      return v.seats === db && v.left === free ? db : undefined;
    });

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
  });
  afterEach(async () => {
    await Promise.all(viewers.splice(0).map((v) => v.close()));
  });
  afterAll(() => t?.stop());

  it('shows anyone the map the database has, then every hold, release, sale and expiry', async () => {
    const venue = await addVenue(t, admin, 3, 10);
    const show = await addShow(t, admin, venue.id);
    await holdSeats(t, admin, show.id, [seat('A', 1), seat('A', 2)]);

    // anonymous: seat availability is public
    const v = await watch(show.id);
    const snapshot = v.frames[0]!;
    expect(snapshot).toMatchObject({ type: 'snapshot', showId: show.id, free: 28 });
    expect(v.seats).toBe(`hh${'.'.repeat(28)}`);
    expect(v.seats).toBe(await databaseMap(t, show.id, 30));
    // a signed-in store sees the same
    const store = await t.store(`LIVE${randomUUID().slice(0, 4).toUpperCase()}`, admin);
    const asStore = await watch(show.id, { authorization: `Bearer ${store.token}` });
    expect(asStore.seats).toBe(v.seats);

    const held = await holdSeats(t, admin, show.id, [seat('B', 4), seat('B', 5), seat('B', 6)]);
    expect(await converged(v, show.id, 30)).toBe(`hh${'.'.repeat(11)}hhh${'.'.repeat(14)}`);

    expect((await t.call('DELETE', `/api/booking/holds/${held}`, undefined, { cookie: admin })).status).toBe(200);
    expect(await converged(v, show.id, 30)).toBe(`hh${'.'.repeat(28)}`);

    // a sale (the sales side marks the claims sold when a payment is taken)
    const sold = await holdSeats(t, admin, show.id, [seat('C', 10)]);
    await t.hub.db.transaction(async (tx) => {
      await tx.query(`UPDATE booking_holds SET status = 'CONFIRMED' WHERE id = $1`, [sold]);
      await tx.query('UPDATE booking_seat_claims SET sold = true WHERE hold_id = $1', [sold]);
    });
    expect(await converged(v, show.id, 30)).toBe(`hh${'.'.repeat(27)}s`);

    // the first hold expires: the sweeper frees it and the viewers see the seats free again
    t.clock.offsetMs += 11 * 60_000;
    await waitFor('the sweeper to free the expired hold', async () =>
      (await databaseMap(t, show.id, 30)).startsWith('..'),
    );
    expect(await converged(v, show.id, 30)).toBe(`${'.'.repeat(29)}s`);
    expect(await converged(asStore, show.id, 30)).toBe(`${'.'.repeat(29)}s`);
    expect(v.gaps).toEqual([]);
    expect(v.frames.slice(1).every((f) => f.type === 'changes')).toBe(true);
  });

  it('carries a 50,000-seat map in its snapshot and a change in a small frame', async () => {
    const venue = await addVenue(t, admin, 250, 200);
    expect(venue.seatCount).toBe(50_000);
    const show = await addShow(t, admin, venue.id);
    const v = await watch(show.id);
    expect(v.frames[0]).toMatchObject({ type: 'snapshot', free: 50_000 });
    expect(v.seats).toHaveLength(50_000);
    expect(v.seats).toBe('.'.repeat(50_000));

    const texts: string[] = [];
    v.ws.on('message', (d) => texts.push(String(d)));
    await holdSeats(t, admin, show.id, [seat('R250', 199), seat('R250', 200)]);
    await waitFor('the change', () => v.changes > 0);
    expect(v.frames[1]).toMatchObject({ type: 'changes', held: [49_998, 49_999], free: [], sold: [], left: 49_998 });
    expect(texts[0]!.length).toBeLessThan(200);
    expect(await converged(v, show.id, 50_000)).toHaveLength(50_000);
  });

  it('shows a slot’s places left, with no seats', async () => {
    const venue = await addVenue(t, admin, 1, 5);
    const slot = await addShow(t, admin, venue.id, 12);
    const v = await watch(slot.id);
    expect(v.frames[0]).toMatchObject({ type: 'snapshot', seats: '', free: 12 });
    const res = await t.call(
      'POST',
      `/api/booking/shows/${slot.id}/holds`,
      { customerId: randomUUID(), places: 3 },
      { cookie: admin },
    );
    expect(res.status).toBe(201);
    await waitFor('the places left', () => v.left === 9);
    expect(v.frames[1]).toMatchObject({ type: 'changes', free: [], held: [], sold: [], left: 9 });
  });

  it('refuses an unknown show before the upgrade, and a malformed path', async () => {
    const url = `${t.url.replace(/^http/, 'ws')}/api/booking/shows`;
    const unknown = randomUUID();
    const missing = await handshake(`${url}/${unknown}/live`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body!)).toMatchObject({ status: 404, detail: `show ${unknown} not found` });
    expect((await handshake(`${url}/not-a-show/live`)).status).toBe(400);
    expect((await handshake(`${url}/${unknown}/live/extra`)).status).toBe(400);
  });

  it('lives through garbage from a viewer: the hub ignores it, and closes a viewer that sends too much', async () => {
    const venue = await addVenue(t, admin, 1, 10);
    const show = await addShow(t, admin, venue.id);
    const talker = await watch(show.id);
    const quiet = await watch(show.id);
    talker.ws.send('{"type":"snapshot","showId":"nope"');
    talker.ws.send(Buffer.from([0, 1, 2, 255]));
    talker.ws.send('\u0000\u0001 hello');
    await holdSeats(t, admin, show.id, [seat('A', 3)]);
    expect(await converged(talker, show.id, 10)).toBe('..h.......');
    expect(await converged(quiet, show.id, 10)).toBe('..h.......');

    // over the kernel's 64 KiB a frame closes that socket (1009); a flood of small ones closes it too (1008)
    talker.ws.send('x'.repeat(70 * 1024));
    await waitFor('the oversized sender closed', () => talker.closed);
    expect(talker.closed!.code).toBe(1009);
    const flood = await watch(show.id);
    for (let i = 0; i < 150; i++) flood.ws.send('ping');
    await waitFor('the flooding viewer closed', () => flood.closed);
    expect(flood.closed).toEqual({ code: 1008, reason: 'the live seat map takes no input' });

    await holdSeats(t, admin, show.id, [seat('A', 9)]);
    expect(await converged(quiet, show.id, 10)).toBe('..h.....h.');
    const late = await watch(show.id);
    expect(late.seats).toBe('..h.....h.');
  });

  it('tells viewers of a cancelled show so, then closes', async () => {
    const venue = await addVenue(t, admin, 1, 4);
    const show = await addShow(t, admin, venue.id);
    const v = await watch(show.id);
    await t.hub.db.query(`UPDATE booking_shows SET status = 'CANCELLED' WHERE id = $1`, [show.id]);
    await waitFor('the closed frame', () => v.closed);
    expect(v.frames[v.frames.length - 1]).toEqual({
      type: 'closed',
      showId: show.id,
      reason: 'the show was cancelled',
    });
    expect(v.closed).toEqual({ code: 1000, reason: 'the show was cancelled' });
    // a viewer who comes later is told at once
    const late = new WebSocket(`${t.url.replace(/^http/, 'ws')}/api/booking/shows/${show.id}/live`);
    const frames: string[] = [];
    late.on('message', (d) => frames.push(String(d)));
    const code = await new Promise<number>((resolve) => late.on('close', (c) => resolve(c)));
    expect(code).toBe(1000);
    expect(JSON.parse(frames[0]!)).toMatchObject({ type: 'closed', reason: 'the show was cancelled' });
  });
});

describe('the live seat map when its hub stops', () => {
  it('closes every viewer and refuses new ones once its hub stops', async () => {
    const t = await TestHub.start(dbTargets[0]!);
    const admin = await t.login();
    const venue = await addVenue(t, admin, 1, 4);
    const show = await addShow(t, admin, venue.id);
    const v = await Viewer.open(t, show.id);
    const gauge = t.hub.metrics.getSingleMetric('storefleet_hub_booking_seatmap_viewers');
    expect((await gauge!.get()).values[0]!.value).toBe(1);
    await t.stop();
    await waitFor('the viewer closed', () => v.closed);
    await expect(Viewer.open(t, show.id)).rejects.toThrow();
  });

  it('starts one tick timer, unref’d, and clears it on stop', async () => {
    const t = await TestHub.start(dbTargets[0]!);
    const [m] = t.hub.modules.filter((x) => x.name === 'booking');
    expect(m).toBeDefined();
    const set = vi.spyOn(globalThis, 'setInterval');
    const clear = vi.spyOn(globalThis, 'clearInterval');
    try {
      const ctx = {
        db: t.hub.db,
        log: t.hub.log,
        metrics: new Registry(),
        now: Date.now,
        settings: { tuning: { bookingSeatMapTickMs: 4_321 } },
      } as unknown as HubContext;
      const live = new SeatMapLive(ctx, {} as SeatHolder);
      await live.start();
      await live.start(); // a second start makes no second timer
      const ours = set.mock.calls.flatMap((c, i) => (c[1] === 4_321 ? [set.mock.results[i]!.value] : []));
      expect(ours).toHaveLength(1);
      const timer = ours[0] as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      await live.tick(); // nothing watched: nothing read, no error
      await live.stop();
      expect(clear).toHaveBeenCalledWith(timer);
    } finally {
      set.mockRestore();
      clear.mockRestore();
      await t.stop();
    }
  });
});
