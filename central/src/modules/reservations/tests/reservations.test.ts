import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, hlcEncode } from '@storefleet/shared';
import { bothDbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import type { JobRun } from '../../../kernel/jobs/types.js';
import { ReservationService } from '../service.js';
import { provided } from '../../../kernel/ports.js';
import { INVENTORY_HOLDS } from '../../../kernel/ports/inventory.js';

describe.each(bothDbTargets)('reservations on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let store: { id: string; token: string };
  let other: { id: string; token: string };
  let seq = 0;
  // Work a test starts that can outlive it when it fails or times out (HTTP calls, database reads, a watcher's loop):
  // afterEach stops the watchers and waits for the calls, so a failed test cannot write into the next one.
  const inFlight = new Set<Promise<unknown>>();
  const watchers = new Set<AbortController>();
  const tracked = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    const done = () => void inFlight.delete(p);
    p.then(done, done);
    return p;
  };
  /** Runs `step` over and over, each time once the last one has settled, until the returned stop (or afterEach). */
  const repeat = (step: () => Promise<void>): (() => Promise<void>) => {
    const stop = new AbortController();
    watchers.add(stop);
    const loop = tracked(
      (async () => {
        while (!stop.signal.aborted) {
          await step().catch(() => undefined);
          await new Promise((r) => setTimeout(r, 5));
        }
      })(),
    );
    return async () => {
      stop.abort();
      watchers.delete(stop);
      await loop;
    };
  };

  const receive = async (storeId: string, sku: string, qty: number) => {
    seq++;
    await t.hub.sync.repo.applyBatch(
      storeId,
      [
        {
          origin: storeId,
          seq,
          hlc: hlcEncode({ wallMs: Date.now(), counter: 0, node: storeId }),
          type: 'stock.moved',
          payload: { sku, delta: qty, kind: 'RECEIVE' },
        },
      ],
      0,
    );
  };
  const level = async (sku: string, storeId = store.id) =>
    (
      await tracked(
        t.hub.db.query<{ on_hand: number; reserved: number }>(
          'SELECT on_hand, reserved FROM inventory_stock WHERE store_id = $1 AND sku = $2',
          [storeId, sku],
        ),
      )
    ).rows[0]!;
  const reserve = (
    lines: { sku: string; qty: number }[],
    who: { cookie?: string; bearer?: string } = { cookie: admin },
    storeId = store.id,
  ) => tracked(t.call('POST', '/api/reservations', { storeId, customerRef: 'cust-1', lines }, who));
  /** The inventory module's stock primitives, for a second ReservationService (another replica, or a sweeper). */
  const holdsOf = () =>
    provided(t.hub.modules.find((m) => m.name === 'inventory')!.provides!({} as never), INVENTORY_HOLDS)!;

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    const a = await t.store('RSV-A', admin);
    const b = await t.store('RSV-B', admin);
    store = { id: a.id, token: a.token };
    other = { id: b.id, token: b.token };
    seq = 0;
    // The hub counts stock only for skus its catalog holds.
    await t.hub.db.query(
      `INSERT INTO catalog_products (sku, name, category, price_minor, currency, tax_class, updated_at)
       SELECT s, s, 'Test', 100, 'USD', 'STANDARD', 1 FROM unnest($1::text[]) AS s`,
      [['BATTERIES', 'CHIPS', 'DOORBUSTER-TV', 'FAN', 'GRILL', 'KAYAK', 'LAMP', 'SALSA', 'SOAP', 'TOWEL']],
    );
  });
  afterEach(async () => {
    for (const stop of watchers) stop.abort();
    watchers.clear();
    while (inFlight.size) await Promise.allSettled([...inFlight]);
    if (t) t.clock.offsetMs = 0;
  });
  afterAll(() => t?.stop());

  it('holds exactly the 20 units there are when 200 customers race for them at once', async ({ signal }) => {
    // Sized for correctness, not load (the reserve bench measures load): 200 holds of one unit race for 20 units, half
    // through the hub's API, half through a second replica's service (its own group commit). Over HTTP on PGlite the
    // requests reach the batcher one by one; the second replica's calls arrive together, so batches of many race the
    // API's. A hold granted past the stock (in a batch or across replicas) shows as more than 20 granted.
    await receive(store.id, 'DOORBUSTER-TV', 20);
    const replica = new ReservationService(t.hub.db, holdsOf(), t.hub.sync.feed, () => Date.now() + t.clock.offsetMs);
    const viaReplica = (i: number) =>
      tracked(
        replica.reserve({ storeId: store.id, customerRef: `replica-${i}`, lines: [{ sku: 'DOORBUSTER-TV', qty: 1 }] }),
      ).then(
        () => 201,
        (err: unknown) => (err instanceof ConflictError ? 409 : Promise.reject(err)),
      );
    // What is left to promise, read again and again while the holds race (each read once the last has answered).
    let lowest = Infinity;
    let samples = 0;
    const stopWatching = repeat(async () => {
      const l = await level('DOORBUSTER-TV');
      lowest = Math.min(lowest, l.on_hand - l.reserved);
      samples++;
    });
    const statuses = await Promise.all(
      Array.from({ length: 200 }, async (_, i) =>
        i % 2 ? viaReplica(i) : (await reserve([{ sku: 'DOORBUSTER-TV', qty: 1 }])).status,
      ),
    );
    await stopWatching();
    signal.throwIfAborted(); // timed out: place no more holds
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.filter((s) => s === 409)).toHaveLength(180);
    expect(await level('DOORBUSTER-TV')).toEqual({ on_hand: 20, reserved: 20 });
    // A watcher that never read the stock leaves `lowest` at Infinity, which no floor would catch.
    expect(Number.isFinite(lowest), `the watcher read the stock (${samples} reads)`).toBe(true);
    expect(lowest).toBeGreaterThanOrEqual(0);
    const refused = await reserve([{ sku: 'DOORBUSTER-TV', qty: 1 }]);
    expect(refused.body.detail).toBe(`only 0 of DOORBUSTER-TV available at store ${store.id}`);
  });

  it('holds all lines or none', async () => {
    await receive(store.id, 'CHIPS', 10);
    await receive(store.id, 'SALSA', 1);
    const res = await reserve([
      { sku: 'CHIPS', qty: 4 },
      { sku: 'SALSA', qty: 2 },
    ]);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ sku: 'SALSA', available: 1 });
    expect(await level('CHIPS')).toEqual({ on_hand: 10, reserved: 0 });
    const ok = await reserve([
      { sku: 'SALSA', qty: 1 },
      { sku: 'CHIPS', qty: 4 },
      { sku: 'CHIPS', qty: 1 },
    ]);
    expect(ok.status).toBe(201);
    expect(ok.body.lines).toEqual([
      { sku: 'CHIPS', qty: 5 },
      { sku: 'SALSA', qty: 1 },
    ]);
  });

  it('sends every hold to its store feed at once', async () => {
    await receive(store.id, 'BATTERIES', 5);
    const r = await reserve([{ sku: 'BATTERIES', qty: 2 }]);
    const feed = await t.hub.db.query<{ type: string; payload: { id: string; status: string } }>(
      "SELECT type, payload FROM sync_feed WHERE store_id = $1 AND payload->>'id' = $2",
      [store.id, r.body.id],
    );
    expect(feed.rows).toEqual([
      { type: 'reservation.changed', payload: expect.objectContaining({ id: r.body.id, status: 'HELD' }) },
    ]);
  });

  it('expires each hold exactly once with two sweepers, freeing the stock', async () => {
    await receive(store.id, 'KAYAK', 10);
    const live = await t.call(
      'POST',
      '/api/reservations',
      { storeId: store.id, customerRef: 'keeps', lines: [{ sku: 'KAYAK', qty: 3 }], ttlMinutes: 60 },
      { cookie: admin },
    );
    const dying = await Promise.all([1, 2, 3, 4, 5].map(() => reserve([{ sku: 'KAYAK', qty: 1 }])));
    expect(await level('KAYAK')).toEqual({ on_hand: 10, reserved: 8 });
    t.clock.offsetMs = 16 * 60_000; // the five 15-minute holds are due; the 60-minute one is not
    try {
      const second = new ReservationService(t.hub.db, holdsOf(), t.hub.sync.feed, () => Date.now() + t.clock.offsetMs);
      // two sweepers here, and the hub's own (the job reservations.expire-holds, each second)
      await Promise.all([tracked(second.expireDue()), tracked(second.expireDue())]);
      // The hub's sweeper may have raced ours (SKIP LOCKED) and still be at it. Its runs go one after another (a period
      // waits for the last run), so once a run that started after ours returned has finished, every run that could
      // have seen these holds is over, however slow the machine. The job runner keeps the hub's clock.
      const oursReturned = Date.now() + t.clock.offsetMs;
      const run = await tracked(
        waitFor(
          "a run of the hub's hold sweep that started after ours returned, finished",
          async () => {
            const r = await t.call('GET', '/api/jobs?name=reservations.expire-holds&limit=20', undefined, {
              cookie: admin,
            });
            return (r.body.runs as JobRun[]).find(
              (x) => x.startedAt !== null && x.startedAt >= oursReturned && ['DONE', 'FAILED'].includes(x.state),
            );
          },
          30_000,
        ),
      );
      expect(run).toMatchObject({ state: 'DONE', lastError: null });
      // A double release would take `reserved` below the live hold's 3 (to the floor of 0).
      expect((await level('KAYAK')).reserved).toBe(3);
      const ends = await t.hub.db.query<{ id: string; n: number }>(
        `SELECT payload->>'id' AS id, count(*)::int AS n FROM sync_feed WHERE store_id = $1 AND payload->>'status' = 'EXPIRED'
         AND payload->>'id' = ANY($2::text[]) GROUP BY 1`,
        [store.id, dying.map((d) => d.body.id)],
      );
      expect(ends.rows.map((r) => r.n)).toEqual([1, 1, 1, 1, 1]); // each expired exactly once
      const statuses = await Promise.all(
        dying.map(
          async (d) =>
            (await t.call('GET', `/api/reservations/${d.body.id}`, undefined, { cookie: admin })).body.status,
        ),
      );
      expect(statuses).toEqual(['EXPIRED', 'EXPIRED', 'EXPIRED', 'EXPIRED', 'EXPIRED']);
      expect((await t.call('GET', `/api/reservations/${live.body.id}`, undefined, { cookie: admin })).body.status).toBe(
        'HELD',
      );
    } finally {
      t.clock.offsetMs = 0;
    }
  });

  it('lets confirm and expiry race with one winner', async ({ signal }) => {
    await receive(store.id, 'GRILL', 4);
    const holds = holdsOf();
    for (let i = 0; i < 4; i++) {
      signal.throwIfAborted(); // timed out: start no more rounds
      const r = await reserve([{ sku: 'GRILL', qty: 1 }]);
      t.clock.offsetMs = 15 * 60_000 + 1;
      try {
        const sweeper = new ReservationService(t.hub.db, holds, t.hub.sync.feed, () => Date.now() + t.clock.offsetMs);
        const [confirm, expired] = await Promise.all([
          tracked(t.call('POST', `/api/reservations/${r.body.id}/confirm`, undefined, { cookie: admin })),
          tracked(sweeper.expireDue()),
        ]);
        expect(confirm.status).toBe(409); // past its expiry, whoever gets the row first: it ends EXPIRED, once
        expect(expired).toBeLessThanOrEqual(1);
        expect((await t.call('GET', `/api/reservations/${r.body.id}`, undefined, { cookie: admin })).body.status).toBe(
          'EXPIRED',
        );
      } finally {
        t.clock.offsetMs = 0;
      }
    }
    expect(await level('GRILL')).toEqual({ on_hand: 4, reserved: 0 });
    const paid = await reserve([{ sku: 'GRILL', qty: 2 }]);
    const confirmed = await t.call('POST', `/api/reservations/${paid.body.id}/confirm`, undefined, { cookie: admin });
    expect(confirmed.body).toMatchObject({ status: 'CONFIRMED' });
    expect(confirmed.body.expiresAt - Date.now()).toBeGreaterThan(71 * 3600_000);
  });

  it('is fulfilled by the store’s pickup event, once', async () => {
    await receive(store.id, 'LAMP', 2);
    const r = await reserve([{ sku: 'LAMP', qty: 2 }]);
    const pickup = (s: number) => ({
      origin: store.id,
      seq: s,
      hlc: hlcEncode({ wallMs: Date.now(), counter: s, node: store.id }),
      type: 'reservation.picked-up',
      payload: { reservationId: r.body.id },
    });
    const stockOut = (s: number) => ({
      origin: store.id,
      seq: s,
      hlc: hlcEncode({ wallMs: Date.now(), counter: s, node: store.id }),
      type: 'stock.moved',
      payload: { sku: 'LAMP', delta: -2, kind: 'PICKUP' },
    });
    seq += 3;
    await t.hub.sync.repo.applyBatch(store.id, [stockOut(seq - 2), pickup(seq - 1), pickup(seq)], 0);
    expect((await t.call('GET', `/api/reservations/${r.body.id}`, undefined, { cookie: admin })).body.status).toBe(
      'FULFILLED',
    );
    expect(await level('LAMP')).toEqual({ on_hand: 0, reserved: 0 });
    const parked = await t.call('GET', `/api/sync/parked?storeId=${store.id}`, undefined, { cookie: admin });
    expect(parked.body.items.map((p: { reason: string }) => p.reason)).toContain(
      `rejected by reservation.picked-up handler: reservation ${r.body.id} was already picked up`,
    );
  });

  it('promises less from a store it has not heard from, by its recent sales pace', async () => {
    const at = Date.now() - 2 * 86_400_000;
    await t.hub.sync.repo.applyBatch(
      other.id,
      [
        {
          origin: other.id,
          seq: 1,
          hlc: hlcEncode({ wallMs: Date.now(), counter: 1, node: other.id }),
          type: 'stock.moved',
          payload: { sku: 'FAN', delta: 268, kind: 'RECEIVE' },
        },
        {
          origin: other.id,
          seq: 2,
          hlc: hlcEncode({ wallMs: Date.now(), counter: 2, node: other.id }),
          type: 'stock.moved',
          payload: { sku: 'FAN', delta: -168, kind: 'SALE', at },
        },
      ],
      0,
    ); // 100 on hand; 168 sold in the last 7 days = 1 an hour
    await t.hub.db.query(
      `INSERT INTO sync_connections (store_id, replica, protocol, connected, connected_at, last_seen_at) VALUES ($1, 'r', 2, false, $2, $2)`,
      [other.id, Date.now() - 10 * 3600_000 + 60_000],
    ); // silent for just under 10 hours: it has probably sold 10 more
    const tooMany = await reserve([{ sku: 'FAN', qty: 91 }], { cookie: admin }, other.id);
    expect(tooMany.status).toBe(409);
    expect(tooMany.body).toMatchObject({ sku: 'FAN', available: 90 });
    const ok = await reserve([{ sku: 'FAN', qty: 90 }], { cookie: admin }, other.id);
    expect(ok.status).toBe(201);
    await t.call('POST', `/api/reservations/${ok.body.id}/release`, undefined, { cookie: admin });
    await t.hub.db.query('UPDATE sync_connections SET connected = true WHERE store_id = $1', [other.id]);
    expect((await reserve([{ sku: 'FAN', qty: 100 }], { cookie: admin }, other.id)).status).toBe(201); // back online: all of it
  });

  it('refuses bad input and other stores, changing nothing', async () => {
    await receive(store.id, 'SOAP', 5);
    expect((await reserve([{ sku: 'SOAP', qty: 0 }])).status).toBe(400);
    expect((await reserve([{ sku: 'SOAP', qty: 1_000_000 }])).status).toBe(400);
    expect((await reserve([])).status).toBe(400);
    const unknownStore = await reserve(
      [{ sku: 'SOAP', qty: 1 }],
      { cookie: admin },
      '0190f0f0-0000-7000-8000-0000000000aa',
    );
    expect(unknownStore.status).toBe(404);
    expect((await reserve([{ sku: 'NO-SUCH-SKU', qty: 1 }])).status).toBe(409);
    const mine = await reserve([{ sku: 'SOAP', qty: 1 }], { bearer: store.token });
    expect(mine.status).toBe(201);
    expect((await reserve([{ sku: 'SOAP', qty: 1 }], { bearer: other.token })).status).toBe(403);
    expect(
      (await t.call('POST', `/api/reservations/${mine.body.id}/release`, undefined, { bearer: other.token })).status,
    ).toBe(404);
    expect(await level('SOAP')).toEqual({ on_hand: 5, reserved: 1 });
    const released = await t.call('POST', `/api/reservations/${mine.body.id}/release`, undefined, {
      bearer: store.token,
    });
    expect(released.body.status).toBe('RELEASED');
    expect(
      (await t.call('POST', `/api/reservations/${mine.body.id}/confirm`, undefined, { bearer: store.token })).status,
    ).toBe(409);
    expect(await level('SOAP')).toEqual({ on_hand: 5, reserved: 0 });
  });

  it('answers the same for a hold that is not yours and one that does not exist, to other stores and to anonymous callers', async () => {
    await receive(store.id, 'TOWEL', 5);
    const mine = await reserve([{ sku: 'TOWEL', qty: 2 }], { bearer: store.token });
    expect(mine.status).toBe(201);
    const missing = '0190f0f0-0000-7000-8000-00000000f00d';
    // What a caller sees, with the id it asked about taken out: identical for both ids means nothing is revealed.
    const seen = async (method: string, path: (id: string) => string, who: { bearer?: string }) => {
      const answers = [];
      for (const id of [mine.body.id as string, missing]) {
        const res = await t.call(method, `/api/reservations/${path(id)}`, undefined, who);
        answers.push({
          status: res.status,
          type: res.headers.get('content-type'),
          body: JSON.parse(JSON.stringify(res.body).replaceAll(id, 'ID')),
        });
      }
      expect(answers[0]).toEqual(answers[1]);
      return answers[0]!;
    };
    for (const [method, path] of [
      ['GET', (id: string) => id],
      ['POST', (id: string) => `${id}/confirm`],
      ['POST', (id: string) => `${id}/release`],
    ] as const) {
      const toOther = await seen(method, path, { bearer: other.token });
      expect(toOther.status).toBe(404);
      expect(toOther.type).toMatch(/application\/problem\+json/);
      expect(toOther.body.detail).toBe('reservation ID not found');
      expect((await seen(method, path, {})).status).toBe(401);
    }
    // nothing changed: still held, and its own store still sees it
    expect(await level('TOWEL')).toEqual({ on_hand: 5, reserved: 2 });
    expect(
      (await t.call('GET', `/api/reservations/${mine.body.id}`, undefined, { bearer: store.token })).body.status,
    ).toBe('HELD');
  });
});
