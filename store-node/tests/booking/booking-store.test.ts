import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { AppError } from '@storefleet/shared';
import { encode } from 'uqr';
import type { PaymentProvider } from '../../../central/src/kernel/ports/payments.js';
import { provide } from '../../../central/src/kernel/ports.js';
import { SimulatedPaymentProvider } from '../../../central/src/modules/orders/payments.js';
import { PAYMENTS_PROVIDER } from '../../../central/src/modules/orders/ports.js';
import type { StoreNode } from '../../src/index.js';
import { BOOKING_OFFLINE, HOLD_WINDOW_MS, HOLDS_PER_WINDOW } from '../../src/booking/booking-service.js';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

const HOUR = 3_600_000;
const json = (body: unknown, key: string = randomUUID()) => ({
  headers: { 'content-type': 'application/json', 'idempotency-key': key },
  body: JSON.stringify(body),
});

/** The dark modules a ticket's QR SVG draws (`M x y h n v1 h-n z` runs), as "x,y". */
function drawn(svg: string): Set<string> {
  const cells = new Set<string>();
  const d = /<path fill="#000" d="([^"]*)"\/>/.exec(svg)![1]!;
  for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g))
    for (let i = 0; i < Number(m[3]); i++) cells.add(`${Number(m[1]) + i},${m[2]}`);
  return cells;
}
/** The dark modules of `code`'s QR code, inside a four-module quiet zone. */
function modules(code: string): Set<string> {
  const cells = new Set<string>();
  const { size, data } = encode(code, { ecc: 'M', border: 0 });
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (data[y]![x]) cells.add(`${x + 4},${y + 4}`);
  return cells;
}

// Issue #19, booking at the store, end to end with a real hub: the feed brings the store its shows and cancelled
// bookings; the kiosk books a walk-in through the hub; the door lets a ticket in while the hub is down, once; the
// hub hears the admission once when it is back.
describe.each(dbTargets)('booking at a store with a hub on $name', (target) => {
  let f: SyncFixture;
  let cookie: string;
  let store: StoreNode;
  let storeId: string;
  let otherStoreId: string;
  /** Moves the store node's clock (not the hub's): a screen's hold window passing. */
  let storeSkew = 0;
  /** Head office's payment provider: the simulator, or none at all ("no payment provider is configured", 503). */
  let noProvider = false;
  const simulated = new SimulatedPaymentProvider();
  const payments: PaymentProvider = {
    authorise: (req) =>
      noProvider
        ? Promise.reject(new AppError('unavailable', 'no payment provider is configured'))
        : simulated.authorise(req),
    void: (key) => simulated.void(key),
    capture: (key) => simulated.capture(key),
    status: (key) => simulated.status(key),
  };

  const hub = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${f.hubUrl}${path}`, {
      method,
      headers: { cookie, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const must = async (what: string, p: Promise<{ status: number; body: any }>) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const venue = (at: string) =>
    must(
      'venue',
      hub('POST', '/api/booking/venues', {
        storeId: at,
        name: 'Workshop room',
        timeZone: 'Europe/London',
        currency: 'GBP',
        sections: [
          { code: 'FRONT', name: 'Front', priceMinor: 900, rows: [{ label: 'A', seats: 6 }] },
          { code: 'BACK', name: 'Back', priceMinor: 700, rows: [{ label: 'B', seats: 6 }] },
        ],
      }),
    );
  const show = async (at: string, extra: Record<string, unknown> = {}) => {
    const startsAt = Date.now() + HOUR / 2;
    return must(
      'show',
      hub('POST', '/api/booking/shows', {
        venueId: (await venue(at)).id,
        title: 'Bike repair basics',
        kind: 'SEATED',
        startsAt,
        endsAt: startsAt + 2 * HOUR,
        ...extra,
      }),
    ) as Promise<{ id: string }>;
  };
  /** Two seats booked at the hub by head office: the booking and its tickets. */
  const booked = async (showId: string) => {
    const hold = await must(
      'hold',
      hub('POST', `/api/booking/shows/${showId}/holds`, { customerId: randomUUID(), best: { count: 2 } }),
    );
    return must('confirm', hub('POST', `/api/booking/holds/${hold.id}/confirm`, {})) as Promise<{
      booking: { id: string };
      tickets: { ticketNo: number; seat: string; code: string }[];
    }>;
  };
  /** A call at the store node from its back office, or from a screen marked `screen` (`sf_screen`, e.g. the kiosk). */
  const atStore = async (method: string, path: string, body?: unknown, key?: string, screen?: string) => {
    const req = body === undefined ? { headers: { 'idempotency-key': key ?? randomUUID() } } : json(body, key);
    const res = await fetch(`${store.url}${path}`, {
      method,
      ...req,
      headers: { ...req.headers, ...(screen ? { cookie: `sf_screen=${screen}` } : {}) },
    });
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as any,
    };
  };
  const kiosk = (method: string, path: string, body?: unknown, key?: string) =>
    atStore(method, path, body, key, 'kiosk');
  const holdAtHub = async (holdId: string) => (await hub('GET', `/api/booking/holds/${holdId}`)).body;
  const door = (code: string) => atStore('POST', '/api/booking/door/check', { code });
  const hubAdmissions = async (bookingId: string) =>
    (
      await f.hub.db.query<{ ticket_no: number; store_id: string }>(
        'SELECT ticket_no, store_id FROM booking_admissions WHERE booking_id = $1 ORDER BY ticket_no',
        [bookingId],
      )
    ).rows;

  const signIn = async () =>
    `sf_session=${(await f.hub.auth.login('ho@example.test', 'a long enough password', 'test')).sessionToken}`;

  beforeAll(async () => {
    // the hub is stopped and started again: on PGlite its data must outlive it (a folder, not memory)
    f = await SyncFixture.start(target, {
      ...(target.name === 'pglite' ? { dataDir: mkdtempSync(join(tmpdir(), 'sf-booking-hub-')) } : {}),
      externals: [provide(PAYMENTS_PROVIDER, payments)],
    });
    await f.hub.auth.createUser({
      email: 'ho@example.test',
      password: 'a long enough password',
      name: 'HO',
      role: 'ADMIN',
    });
    cookie = await signIn();
    store = await f.store('BOOKING', { timeZone: 'Europe/London', now: () => Date.now() + storeSkew });
    storeId = f.credentials.get('BOOKING')!.storeId;
    otherStoreId = (await f.hub.fleet.register({ code: 'BOOK-OTHER', name: 'Other', kind: 'STORE', lat: 40, lon: -74 }))
      .location.id;
    await waitFor('the ticket key at the store', () => store.booking.ticketPublicKey());
  }, 120_000);
  afterAll(() => f?.stop());

  it('keeps the newest copy of a show and one record of a cancellation, however often the entries come', async () => {
    const { id } = await show(storeId, { title: 'Knife sharpening' });
    await waitFor('the show at the store', () => store.booking.repo.show(id));
    const listed = await atStore('GET', '/api/booking/shows');
    expect(listed.body.shows).toContainEqual({
      showId: id,
      title: 'Knife sharpening',
      venueName: 'Workshop room',
      kind: 'SEATED',
      startsAt: expect.any(Number),
      endsAt: expect.any(Number),
      capacity: 12,
      priceFromMinor: 700,
      currency: 'GBP',
      status: 'ON_SALE',
    });
    // the same entry again, then an older one: the store keeps version 1's copy as it was, then a newer one wins
    const copy = store.booking.repo.show(id)!;
    const entry = { ...copy, title: 'Knife sharpening' };
    const append = (payload: unknown, type = 'booking.show') =>
      f.hub.db.transaction((tx) => f.hub.sync.feed.append(tx, storeId, [{ type, payload }]));
    await append(entry);
    await append({ ...entry, title: 'Old title', version: 0 });
    await append({ ...entry, title: 'Knife sharpening (new room)', version: 2 });
    await append({ ...entry, title: 'Stale again', version: 1 });
    const cancelled = { bookingId: randomUUID(), showId: id, storeId, cancelledAt: Date.now() };
    await append(cancelled, 'booking.cancelled');
    const head = await append({ ...cancelled, cancelledAt: cancelled.cancelledAt + 5 }, 'booking.cancelled');
    await waitFor('the store to apply them', () => store.sync.status().feedCursor >= head);
    expect(store.booking.repo.show(id)).toMatchObject({ title: 'Knife sharpening (new room)', version: 2 });
    expect(store.booking.repo.cancelledAt(cancelled.bookingId)).toBe(cancelled.cancelledAt);
    expect(store.sync.storage.parkedFeed()).toEqual([]);
  });

  it('books a walk-in at the kiosk, passes the hub’s refusal on, and lets its tickets in at the door offline, once', async () => {
    const seated = await show(storeId);
    const slot = await show(storeId, { title: 'Eye test', kind: 'CAPACITY', capacity: 2, priceMinor: 1500 });
    await waitFor(
      'both shows at the store',
      () => store.booking.repo.show(seated.id) && store.booking.repo.show(slot.id),
    );

    // the kiosk: two adjacent seats held, paid and booked; the confirm's retry with its key answers the same
    const held = await atStore('POST', '/api/booking/kiosk/holds', { showId: seated.id, places: 2 });
    expect(held.status).toBe(201);
    expect(held.body.hold).toEqual({
      id: expect.any(String),
      showId: seated.id,
      seats: [expect.stringMatching(/^BACK-B-\d$|^FRONT-A-\d$/), expect.any(String)],
      places: 2,
      amountMinor: expect.any(Number),
      currency: 'GBP',
      expiresAt: expect.any(Number),
      customerId: expect.any(String),
    });
    const key = randomUUID();
    const paid = await atStore('POST', `/api/booking/kiosk/holds/${held.body.hold.id}/confirm`, {}, key);
    expect(paid.status).toBe(200);
    expect(paid.body.tickets).toHaveLength(2);
    expect(paid.body.booking).toMatchObject({ id: held.body.hold.id, status: 'CONFIRMED' });
    const retried = await atStore('POST', `/api/booking/kiosk/holds/${held.body.hold.id}/confirm`, {}, key);
    expect(retried.body).toEqual(paid.body);

    // the slot's two places go to one walk-in; the next (at the kiosk) is told as the hub words it (409), and a let-go
    // hold frees them
    const both = await atStore('POST', '/api/booking/kiosk/holds', { showId: slot.id, places: 2 });
    expect(both.status).toBe(201);
    const none = await kiosk('POST', '/api/booking/kiosk/holds', { showId: slot.id, places: 1 });
    expect(none.status).toBe(409);
    expect(none.type).toContain('application/problem+json');
    expect(none.body.detail).toMatch(/place/);
    expect(Object.keys(none.body).sort()).toEqual(['detail', 'instance', 'status', 'title', 'type']);
    expect((await atStore('DELETE', `/api/booking/kiosk/holds/${both.body.hold.id}`)).body).toEqual({
      released: true,
      holdId: both.body.hold.id,
    });
    expect((await atStore('POST', '/api/booking/kiosk/holds', { showId: slot.id, places: 1 })).status).toBe(201);

    // a booking cancelled at the hub, and a ticket of another store's show, while the hub is up
    const toCancel = await booked(seated.id);
    expect((await hub('POST', `/api/booking/bookings/${toCancel.booking.id}/cancel`, {})).status).toBe(200);
    await waitFor('the cancellation at the store', () => store.booking.repo.cancelledAt(toCancel.booking.id));
    const elsewhere = await booked((await show(otherStoreId)).id);

    // the hub goes down: the door still checks tickets; the kiosk says booking needs head office
    const port = new URL(f.hubUrl).port;
    await f.hub.stop();
    try {
      const [first, second] = paid.body.tickets as { ticketNo: number; seat: string; code: string }[];
      const in1 = await door(first!.code);
      expect(in1.status).toBe(200);
      expect(in1.body).toEqual({
        admitted: true,
        timeZone: 'Europe/London',
        ticket: {
          title: 'Bike repair basics',
          seat: first!.seat,
          startsAt: expect.any(Number),
          ticketNo: first!.ticketNo,
          bookingId: held.body.hold.id,
        },
      });
      const again = await door(first!.code);
      expect(again.status).toBe(409);
      expect(again.body.detail).toMatch(/^already let in at \d\d:\d\d$/);
      expect((await door(`  ${second!.code}  `)).status).toBe(200); // a scanner's stray spaces

      const [p, payload, sig] = first!.code.split('.');
      const claim = JSON.parse(Buffer.from(payload!, 'base64url').toString());
      const forged = `${p}.${Buffer.from(JSON.stringify({ ...claim, n: 3 })).toString('base64url')}.${sig}`;
      expect(await door(forged)).toMatchObject({ status: 422, body: { detail: 'not a valid ticket' } });
      expect(await door('SFT1.garbage')).toMatchObject({ status: 422, body: { detail: 'not a valid ticket' } });
      expect(await door(toCancel.tickets[0]!.code)).toMatchObject({
        status: 409,
        body: { detail: 'this ticket was cancelled' },
      });
      expect(await door(elsewhere.tickets[0]!.code)).toMatchObject({
        status: 422,
        body: { detail: 'this ticket is for another store' },
      });
      expect((await atStore('GET', `/api/booking/door/admissions?showId=${seated.id}`)).body).toEqual({
        showId: seated.id,
        admitted: 2,
        capacity: 12,
      });

      const offline = await atStore('POST', '/api/booking/kiosk/holds', { showId: seated.id, places: 1 });
      expect(offline).toMatchObject({ status: 503, body: { detail: BOOKING_OFFLINE } });
      expect(offline.type).toContain('application/problem+json');
      // a hold this node never placed is not found, offline as online
      expect((await atStore('POST', `/api/booking/kiosk/holds/${randomUUID()}/confirm`, {})).status).toBe(404);
      expect((await atStore('DELETE', `/api/booking/kiosk/holds/${randomUUID()}`)).status).toBe(404);
    } finally {
      await f.startHub(Number(port));
      cookie = await signIn(); // the restarted hub knows no earlier session
    }

    // back online: the hub records each ticket let in, once
    // (a restarted hub refuses the store's old token: the store exchanges its credential again, which takes a while)
    await waitFor(
      'the admissions at the hub',
      async () => (await hubAdmissions(held.body.hold.id)).length === 2,
      60_000,
    );
    expect(await hubAdmissions(held.body.hold.id)).toEqual([
      { ticket_no: 1, store_id: storeId },
      { ticket_no: 2, store_id: storeId },
    ]);
    const { rows } = await f.hub.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sync_events WHERE origin = $1 AND type = 'booking.admitted'`,
      [storeId],
    );
    expect(rows[0]!.n).toBe(2);
  });

  it('a kiosk reaches only the holds it placed: head office’s, another screen’s and a booked one are not found', async () => {
    const s = await show(storeId, { title: 'Knitting circle' });
    await waitFor('the show at the store', () => store.booking.repo.show(s.id));
    // head office's console: a customer's hold, and another customer's paid booking
    const victim = randomUUID();
    const theirs = await must(
      'hold',
      hub('POST', `/api/booking/shows/${s.id}/holds`, { customerId: victim, seats: ['FRONT-A-1'] }),
    );
    const paid = await booked(s.id);

    // the kiosk names no customer: a walk-in always gets a fresh id
    const named = await kiosk('POST', '/api/booking/kiosk/holds', { showId: s.id, places: 1, customerId: victim });
    expect(named.status).toBe(400);
    expect(named.type).toContain('application/problem+json');
    // head office's hold and booking are not the kiosk's, nor the back office's: 404, as a made-up id
    expect((await kiosk('DELETE', `/api/booking/kiosk/holds/${theirs.id}`)).status).toBe(404);
    expect((await atStore('DELETE', `/api/booking/kiosk/holds/${theirs.id}`)).status).toBe(404);
    const tickets = await kiosk('POST', `/api/booking/kiosk/holds/${paid.booking.id}/confirm`, {});
    expect(tickets.status).toBe(404);
    expect(tickets.body.tickets).toBeUndefined();
    expect(JSON.stringify(tickets.body)).not.toContain(paid.tickets[0]!.code);
    expect((await holdAtHub(theirs.id)).status).toBe('HELD');

    // the kiosk's own hold: another kiosk screen can neither let it go nor pay for it...
    const mine = await kiosk('POST', '/api/booking/kiosk/holds', { showId: s.id, places: 2 });
    expect(mine.status).toBe(201);
    const id = mine.body.hold.id as string;
    expect(mine.body.hold.customerId).not.toBe(victim);
    const otherKiosk = { role: 'kiosk' as const, scope: 'device:the-other-kiosk' };
    await expect(store.booking.release(id, otherKiosk)).rejects.toMatchObject({ status: 404 });
    await expect(store.booking.confirm(id, otherKiosk, randomUUID())).rejects.toMatchObject({ status: 404 });
    expect((await holdAtHub(id)).status).toBe('HELD');
    // ...the back office can (staff finishing the customer's booking); once booked, only that confirm's replay answers
    const key = randomUUID();
    const done = await atStore('POST', `/api/booking/kiosk/holds/${id}/confirm`, {}, key);
    expect(done.status).toBe(200);
    expect(done.body.tickets).toHaveLength(2);
    expect((await atStore('POST', `/api/booking/kiosk/holds/${id}/confirm`, {}, key)).body).toEqual(done.body);
    const again = await kiosk('POST', `/api/booking/kiosk/holds/${id}/confirm`, {});
    expect(again.status).toBe(404);
    expect(again.body.tickets).toBeUndefined();
    expect((await holdAtHub(theirs.id)).status).toBe('HELD');
  });

  it('passes on head office’s 503 (no payment provider) in its words, not "offline"; tickets come with QR codes', async () => {
    const s = await show(storeId, { title: 'Cheese tasting' });
    await waitFor('the show at the store', () => store.booking.repo.show(s.id));
    const held = await atStore('POST', '/api/booking/kiosk/holds', { showId: s.id, places: 2 });
    expect(held.status).toBe(201);
    const id = held.body.hold.id as string;
    noProvider = true;
    try {
      const refused = await atStore('POST', `/api/booking/kiosk/holds/${id}/confirm`, {});
      expect(refused.status).toBe(503);
      expect(refused.type).toContain('application/problem+json');
      expect(refused.body.detail).toMatch(/no payment provider is configured/);
      expect(refused.body.detail).not.toBe(BOOKING_OFFLINE);
    } finally {
      noProvider = false;
    }
    expect((await holdAtHub(id)).status).toBe('HELD');

    const paid = await atStore('POST', `/api/booking/kiosk/holds/${id}/confirm`, {});
    expect(paid.status).toBe(200);
    expect(paid.body.tickets).toHaveLength(2);
    for (const t of paid.body.tickets as { code: string; qrSvg: string }[]) {
      expect(t.code).toMatch(/^SFT1\./);
      expect(t.qrSvg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 (\d+) \1"/);
      expect(drawn(t.qrSvg)).toEqual(modules(t.code)); // the QR code of exactly this ticket's code
    }
  });

  it('a kiosk screen holds for one customer at a time, and places holds at a bounded rate', async () => {
    const s = await show(storeId, { title: 'Pasta class' }); // 12 seats
    await waitFor('the show at the store', () => store.booking.repo.show(s.id));
    const hold = (places: number) => kiosk('POST', '/api/booking/kiosk/holds', { showId: s.id, places });
    const left = async () => (await hub('GET', `/api/booking/shows/${s.id}`)).body.left as number;

    // a new hold lets the screen's last one go: however often it asks, the screen holds six seats, not the show
    const first = await hold(6);
    expect(first.status).toBe(201);
    const second = await hold(6);
    expect(second.status).toBe(201);
    expect((await holdAtHub(first.body.hold.id)).status).toBe('RELEASED');
    expect((await hold(6)).status).toBe(201);
    expect(await left()).toBe(6);

    // at most HOLDS_PER_WINDOW holds in the window: then 429 with a sentence and Retry-After, and nothing more held
    const placed = store.booking.repo.placedSince('kiosk', store.booking.now() - HOLD_WINDOW_MS).length;
    for (let i = placed; i < HOLDS_PER_WINDOW; i++) expect((await hold(1)).status).toBe(201);
    const refused = await hold(2);
    expect(refused.status).toBe(429);
    expect(refused.type).toContain('application/problem+json');
    expect(refused.body.detail).toMatch(
      new RegExp(
        `^This screen has held seats ${HOLDS_PER_WINDOW} times in 10 minutes\\. Please wait \\d+ (?:seconds|minutes), or ask a member of staff`,
      ),
    );
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(await left()).toBe(11); // the last hold (one seat) stands
    // the back office is another screen: not held up
    const staff = await atStore('POST', '/api/booking/kiosk/holds', { showId: s.id, places: 1 });
    expect(staff.status).toBe(201);
    expect((await atStore('DELETE', `/api/booking/kiosk/holds/${staff.body.hold.id}`)).status).toBe(200);

    // once the window has passed on the store's clock, the screen holds again
    storeSkew = HOLD_WINDOW_MS + 1000;
    try {
      const later = await hold(2);
      expect(later.status).toBe(201);
      expect((await kiosk('DELETE', `/api/booking/kiosk/holds/${later.body.hold.id}`)).status).toBe(200);
    } finally {
      storeSkew = 0;
    }
  });

  it('refuses a ticket before the door opens, naming the show’s time and the door’s', async () => {
    const later = await show(storeId, {
      title: 'Evening class',
      startsAt: Date.now() + 5 * HOUR,
      endsAt: Date.now() + 7 * HOUR,
    });
    await waitFor('the show at the store', () => store.booking.repo.show(later.id));
    const { tickets } = await booked(later.id);
    const early = await door(tickets[0]!.code);
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(
      /^this ticket is for \w{3} \d{1,2} \w{3} \d\d:\d\d — the door opens at \d\d:\d\d$/,
    );
  });
  it('a new disk gets the shows its store runs and their cancelled bookings from the cold start, not the feed', async () => {
    const cold = await f.store('BCOLD', {}, false); // registered, not started: its disk has never synced
    const coldId = f.credentials.get('BCOLD')!.storeId;
    const on = await show(coldId, { title: 'Cold start class' });
    const gone = await booked(on.id);
    expect((await hub('POST', `/api/booking/bookings/${gone.booking.id}/cancel`, {})).status).toBe(200);
    // as if retention had removed the feed entries: only the section can tell the store
    await f.hub.db.query(`DELETE FROM sync_feed WHERE store_id = $1 AND type LIKE 'booking.%'`, [coldId]);

    await cold.start();
    await waitFor('the cold start', () => cold.sync.bootstrap!.progress().state === 'done', 60_000);
    expect(cold.sync.bootstrap!.progress().sections).toContainEqual({ name: 'booking', rows: 2, total: 2, done: true });
    expect(cold.booking.repo.show(on.id)).toMatchObject({ title: 'Cold start class', status: 'ON_SALE' });
    expect(cold.booking.repo.cancelledAt(gone.booking.id)).toEqual(expect.any(Number));
    await cold.stop();
  }, 120_000);
});
