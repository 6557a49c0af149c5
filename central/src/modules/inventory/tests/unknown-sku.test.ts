import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hlcEncode, PROTOCOL_VERSION } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';

/** Generous: the test machine is shared and slow; a frame that never comes fails with what did. */
const FRAME_WAIT_MS = 30_000;

/** A store's sync socket, spoken frame by frame as the store's sync client would. */
async function openStoreSocket(url: string, token: string) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/sync`, { headers: { authorization: `Bearer ${token}` } });
  const frames: { type: string; [k: string]: unknown }[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (d) => {
    frames.push(JSON.parse(d.toString()));
    for (const w of waiters) w();
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  /** The first frame of `type` (removed), waiting for it up to FRAME_WAIT_MS. */
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const look = () => {
        const at = frames.findIndex((f) => f.type === type);
        if (at < 0) return false;
        done();
        resolve(frames.splice(at, 1)[0]!);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${type} frame within ${FRAME_WAIT_MS} ms; got ${JSON.stringify(frames)}`));
      }, FRAME_WAIT_MS);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      const check = () => void look();
      waiters.add(check);
      look();
    });
  return { ws, next, send: (m: unknown) => ws.send(JSON.stringify(m)) };
}

describe.each(dbTargets)('a stock.moved for a sku the hub does not know, on $name', (target) => {
  let t: TestHub;
  let admin: string;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    const items = [{ sku: 'KETTLE', gtin: '04006381333931', name: 'Kettle', category: 'Home', priceMinor: 3000 }];
    expect((await t.call('POST', '/api/catalog/products/import', { items }, { cookie: admin })).status).toBe(200);
  });
  afterEach(() => {
    for (const ws of sockets.splice(0)) ws.terminate();
  });
  afterAll(() => t?.stop());

  it('is parked with a reason naming the sku, creates no stock, and the rest of the batch applies', async () => {
    const store = await t.store('PHANTOM', admin);
    const s = await openStoreSocket(t.url, store.token);
    sockets.push(s.ws);
    s.send({ type: 'hello', protocol: PROTOCOL_VERSION, storeId: store.id, outboxHead: 4, feedCursor: 0 });
    expect(await s.next('welcome')).toMatchObject({ ackedSeq: 0 });
    const event = (seq: number, payload: unknown) => ({
      origin: store.id,
      seq,
      hlc: hlcEncode({ wallMs: Date.now(), counter: seq, node: store.id }),
      type: 'stock.moved',
      payload,
    });
    s.send({
      type: 'event-batch',
      events: [
        event(1, { sku: 'KETTLE', delta: 10, kind: 'RECEIVE' }),
        event(2, { sku: 'SF-99999', delta: 5, kind: 'RECEIVE' }), // a made-up sku
        event(3, { sku: '4006381333931', delta: 3, kind: 'ADJUSTMENT' }), // the kettle's barcode typed as a sku
        event(4, { sku: 'KETTLE', delta: -2, kind: 'SALE' }),
      ],
    });
    expect(await s.next('ack')).toEqual({ type: 'ack', seq: 4 });

    const parked = await t.call('GET', `/api/sync/parked?storeId=${store.id}`, undefined, { cookie: admin });
    expect(parked.body.items.map((p: { seq: number; reason: string }) => [p.seq, p.reason])).toEqual([
      [2, "rejected by stock.moved handler: no product with sku SF-99999 in the hub's catalog"],
      [3, "rejected by stock.moved handler: no product with sku 4006381333931 in the hub's catalog"],
    ]);
    // The neighbours counted; the phantoms were not created.
    const kettle = await t.call('GET', `/api/inventory/stores/${store.id}/stock/KETTLE`, undefined, {
      bearer: store.token,
    });
    expect(kettle.body).toMatchObject({ sku: 'KETTLE', onHand: 8 });
    const levels = await t.call('GET', `/api/inventory/stores/${store.id}/stock`, undefined, { cookie: admin });
    expect(levels.body.items.map((l: { sku: string; onHand: number }) => `${l.sku}:${l.onHand}`)).toEqual(['KETTLE:8']);
    const phantom = await t.call('GET', `/api/inventory/stores/${store.id}/stock/SF-99999`, undefined, {
      cookie: admin,
    });
    expect(phantom.status).toBe(404);
  });

  it('counts the sku once the catalog holds it (a later movement; the parked one stays parked)', async () => {
    const store = await t.store('LATER', admin);
    const s = await openStoreSocket(t.url, store.token);
    sockets.push(s.ws);
    s.send({ type: 'hello', protocol: PROTOCOL_VERSION, storeId: store.id, outboxHead: 2, feedCursor: 0 });
    await s.next('welcome');
    const event = (seq: number, sku: string) => ({
      origin: store.id,
      seq,
      hlc: hlcEncode({ wallMs: Date.now(), counter: seq, node: store.id }),
      type: 'stock.moved',
      payload: { sku, delta: 4, kind: 'RECEIVE' },
    });
    s.send({ type: 'event-batch', events: [event(1, 'TOASTER')] });
    expect(await s.next('ack')).toEqual({ type: 'ack', seq: 1 });
    expect(
      (await t.call('GET', `/api/inventory/stores/${store.id}/stock/TOASTER`, undefined, { cookie: admin })).status,
    ).toBe(404);
    await t.call(
      'POST',
      '/api/catalog/products/import',
      { items: [{ sku: 'TOASTER', name: 'Toaster', category: 'Home', priceMinor: 2500 }] },
      { cookie: admin },
    );
    s.send({ type: 'event-batch', events: [event(2, 'TOASTER')] });
    expect(await s.next('ack')).toEqual({ type: 'ack', seq: 2 });
    expect(
      (await t.call('GET', `/api/inventory/stores/${store.id}/stock/TOASTER`, undefined, { cookie: admin })).body,
    ).toMatchObject({ onHand: 4 });
    const parked = await t.call('GET', `/api/sync/parked?storeId=${store.id}`, undefined, { cookie: admin });
    expect(parked.body.items.map((p: { seq: number }) => p.seq)).toEqual([1]);
  });

  it('refuses safety stock and lead times for a sku the catalog does not hold, creating no stock row', async () => {
    const store = await t.store('SETTINGS', admin);
    for (const [setting, body] of [
      ['safety', { safety: 2 }],
      ['lead-time', { leadTimeDays: 3 }],
    ] as const) {
      const r = await t.call('PUT', `/api/inventory/stores/${store.id}/stock/SF-99999/${setting}`, body, {
        cookie: admin,
      });
      expect({ setting, status: r.status, detail: r.body.detail }).toEqual({
        setting,
        status: 404,
        detail: "no product with sku SF-99999 in the hub's catalog",
      });
    }
    expect(
      (await t.call('PUT', `/api/inventory/stores/${store.id}/stock/KETTLE/safety`, { safety: 2 }, { cookie: admin }))
        .body,
    ).toMatchObject({ sku: 'KETTLE', safety: 2 });
    const levels = await t.call('GET', `/api/inventory/stores/${store.id}/stock`, undefined, { cookie: admin });
    expect(levels.body.items.map((l: { sku: string }) => l.sku)).toEqual(['KETTLE']);
  });
});
