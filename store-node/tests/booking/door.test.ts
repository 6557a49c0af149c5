import { createPublicKey, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TICKET_CODE_PREFIX, ticketPayload, type BookingShowEntry, type FeedEntry } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import { NO_TICKET_KEY } from '../../src/booking/index.js';

const HOUR = 3_600_000;
// Sat 5 Dec 2026 19:30 in London (GMT)
const STARTS = Date.UTC(2026, 11, 5, 19, 30);

/**
 * The door's check on its own, offline from the start (a store node with no hub), on a clock the test moves: the
 * door's hours in the store's zone, a show or booking cancelled, the key not yet cached, and bad input.
 */
describe('the door’s ticket check, offline', () => {
  let node: StoreNode;
  let clock = STARTS - 3 * HOUR;
  const key = generateKeyPairSync('ed25519').privateKey;
  const showId = randomUUID();
  const show = (over: Partial<BookingShowEntry> = {}): FeedEntry =>
    ({
      seq: 0,
      type: 'booking.show',
      createdAt: 0,
      payload: {
        showId,
        storeId: node.booking.storeId,
        venueName: 'Workshop room',
        title: 'Bike repair basics',
        kind: 'CAPACITY',
        startsAt: STARTS,
        endsAt: STARTS + 2 * HOUR,
        capacity: 8,
        priceFromMinor: 0,
        currency: 'GBP',
        status: 'ON_SALE',
        version: 1,
        ...over,
      },
    }) as FeedEntry;
  const ticket = (bookingId = randomUUID(), ticketNo = 1) => {
    const p = ticketPayload({
      bookingId,
      ticketNo,
      showId,
      storeId: node.booking.storeId,
      startsAt: STARTS,
      endsAt: STARTS + 2 * HOUR,
      seat: '',
    });
    return `${TICKET_CODE_PREFIX}.${p}.${sign(null, Buffer.from(p), key).toString('base64url')}`;
  };
  const check = async (body: unknown) => {
    const res = await fetch(`${node.url}/api/booking/door/check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
  };
  const outbox = () =>
    node.db.prepare("SELECT count(*) AS n FROM sync_outbox WHERE type = 'booking.admitted'").get() as { n: number };

  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-door-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      mode: 'test',
      timeZone: 'Europe/London',
      now: () => clock,
    });
    await node.start();
  });
  afterAll(() => node?.stop());

  it('says the key has not come yet, then checks the door’s hours in the store’s zone', async () => {
    expect(await check({ code: ticket() })).toMatchObject({ status: 503, body: { detail: NO_TICKET_KEY } });
    node.booking.saveTicketKey(createPublicKey(key).export({ format: 'der', type: 'spki' }).toString('base64url'));
    node.booking.applyShow(show());
    const code = ticket();
    expect(await check({ code })).toMatchObject({
      status: 409,
      body: { detail: 'this ticket is for Sat 5 Dec 19:30 — the door opens at 17:30' },
    });
    clock = STARTS - 2 * HOUR; // the door opens
    expect((await check({ code })).status).toBe(200);
    clock = STARTS - 2 * HOUR + 32 * 60_000;
    expect(await check({ code })).toMatchObject({ status: 409, body: { detail: 'already let in at 17:30' } });
    clock = STARTS + 2 * HOUR + 1; // over
    expect(await check({ code: ticket() })).toMatchObject({
      status: 409,
      body: { detail: 'this ticket was for Sat 5 Dec 19:30; that show is over' },
    });
    expect(outbox().n).toBe(1);
  });

  it('refuses a cancelled booking and a cancelled show, and hostile input, changing nothing', async () => {
    clock = STARTS;
    const bookingId = randomUUID();
    node.booking.applyCancelled({
      seq: 0,
      type: 'booking.cancelled',
      createdAt: 0,
      payload: { bookingId, showId, storeId: node.booking.storeId, cancelledAt: STARTS - HOUR },
    } as FeedEntry);
    expect(await check({ code: ticket(bookingId) })).toMatchObject({
      status: 409,
      body: { detail: 'this ticket was cancelled' },
    });
    node.booking.applyShow(show({ status: 'CANCELLED', version: 2 }));
    node.booking.applyShow(show({ version: 1 })); // an older copy late: the cancel stands
    expect(await check({ code: ticket() })).toMatchObject({ status: 409, body: { detail: 'this show was cancelled' } });
    for (const body of [
      {},
      { code: '' },
      { code: 'SFT1.a\u0000.b' },
      { code: 'x'.repeat(1001) },
      { code: 1 },
      { code: ticket(), extra: 1 },
    ]) {
      const r = await check(body);
      expect(r.status).toBe(400);
      expect(r.type).toContain('application/problem+json');
    }
    expect(outbox().n).toBe(1);
    const counts = await fetch(`${node.url}/api/booking/door/admissions?showId=${showId}`).then((r) => r.json());
    expect(counts).toEqual({ showId, admitted: 1, capacity: 8 });
    expect((await fetch(`${node.url}/api/booking/door/admissions?showId=${randomUUID()}`)).status).toBe(404);
    expect((await fetch(`${node.url}/api/booking/door/admissions?showId=nope`)).status).toBe(400);
  });
});
