import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import type { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { handshake } from '../../../../tests/support/ws-handshake.js';
import { MAX_VIEWERS_PER_CLIENT, type SeatMapLive } from '../live/seat-map-live.js';
import { addShow, addVenue, counter, startLiveHub, Viewer } from './live-viewer.js';

const REFUSAL = 'this address has 20 seat maps open already: close one first';

/** One client's share of the live seat map: at most 20 viewers per address, as the hub's HTTP API sees the address. */
describe.each(dbTargets)('the live seat map’s viewers per client, on $name', (target) => {
  let t: TestHub | undefined;
  let live: SeatMapLive;
  const viewers: Viewer[] = [];
  const url = (showId: string) => `${t!.url.replace(/^http/, 'ws')}/api/booking/shows/${showId}/live`;
  const open = async (showId: string, headers?: Record<string, string>) => {
    const v = await Viewer.open(t!, showId, headers);
    viewers.push(v);
    return v;
  };
  /** A hub, a signed-in head office, and two shows at a small venue. */
  const setUp = async (trustProxy?: string) => {
    ({ t, live } = await startLiveHub(target, trustProxy ? { config: { trustProxy } } : {}));
    const admin = await t.login();
    const venue = await addVenue(t, admin, 1, 10);
    return [await addShow(t, admin, venue.id), await addShow(t, admin, venue.id)] as const;
  };

  afterEach(async () => {
    await Promise.all(viewers.splice(0).map((v) => v.close()));
    await t?.stop();
    t = undefined;
  });

  it('refuses an address its 21st viewer (over every show) with a 429 saying why, and takes one once another closes', async () => {
    const [first, second] = await setUp();
    expect(MAX_VIEWERS_PER_CLIENT).toBe(20);
    // a forwarded-for header from a hub that trusts no proxy is the client's own word: it changes nothing
    for (let i = 0; i < 15; i++) await open(first.id, { 'x-forwarded-for': `203.0.113.${i + 1}` });
    for (let i = 0; i < 5; i++) await open(second.id);
    expect(live.viewers).toBe(20);

    const refused = await handshake(url(second.id), { headers: { 'x-forwarded-for': '203.0.113.99' } });
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body!)).toMatchObject({ status: 429, detail: REFUSAL });
    expect(live.viewers).toBe(20);
    expect(await counter(t!, 'storefleet_hub_booking_seatmap_viewers_closed_total', { reason: 'client' })).toBe(1);

    // one closes: the address may open another
    await viewers.shift()!.close();
    await waitFor('the closed viewer counted out', () => live.viewers === 19);
    const again = await open(first.id);
    expect(again.frames[0]).toMatchObject({ type: 'snapshot', showId: first.id });
  });

  it('lets 20 of 60 upgrades from one address sent at once through, and no more', async () => {
    const [show] = await setUp();
    const sockets: WebSocket[] = [];
    const outcomes = await Promise.all(
      Array.from(
        { length: 60 },
        () =>
          new Promise<string>((resolve) => {
            const ws = new WebSocket(url(show.id));
            sockets.push(ws);
            ws.once('message', () => resolve('snapshot'));
            ws.once('unexpected-response', (_req, res) => {
              resolve(`refused ${res.statusCode}`);
              res.resume();
              ws.terminate();
            });
            ws.once('close', (code, reason) => resolve(`closed ${code} ${String(reason)}`));
            ws.on('error', () => undefined);
          }),
      ),
    );
    const tally = new Map<string, number>();
    for (const o of outcomes) tally.set(o, (tally.get(o) ?? 0) + 1);
    expect(tally.get('snapshot')).toBe(20);
    // the rest refused before the upgrade (429) or, when they raced past that check together, closed at once (1008)
    for (const [o] of tally) expect(['snapshot', 'refused 429', `closed 1008 ${REFUSAL}`]).toContain(o);
    expect(live.viewers).toBe(20);
    for (const ws of sockets) ws.close();
    await waitFor('every viewer gone', () => live.viewers === 0);
  });

  it('counts the address a trusted proxy forwards for, as the HTTP API does (TRUST_PROXY)', async () => {
    const [show] = await setUp('loopback');
    const crowd = { 'x-forwarded-for': '203.0.113.7' };
    for (let i = 0; i < 20; i++) await open(show.id, crowd);
    expect((await handshake(url(show.id), { headers: crowd })).status).toBe(429);
    // another client behind the same proxy is not refused for its neighbour's viewers
    const neighbour = await open(show.id, { 'x-forwarded-for': '203.0.113.8' });
    expect(neighbour.frames[0]).toMatchObject({ type: 'snapshot' });
    // a client cannot dodge the bound by naming an address before its own in the header: the proxy's entry counts
    expect((await handshake(url(show.id), { headers: { 'x-forwarded-for': '10.9.9.9, 203.0.113.7' } })).status).toBe(
      429,
    );
    expect(live.viewers).toBe(21);
  });
});
