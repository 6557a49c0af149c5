import { describe, expect, it } from 'vitest';
import { hlcEncode, type WireEvent } from '@storefleet/shared';
import type { SweepRecord } from '../src/sync/retention-repository.js';
import { dbTargets } from './support/db-targets.js';
import { range, retentionHub, sold } from './support/retention-fixture.js';

describe.each(dbTargets)('retention keeps what recovery and audits need, on $name', (target) => {
  const r = retentionHub(target);
  const { at, newStore, sell, feed, seqs } = r;
  let n = 0;
  const sweep = async () => {
    const done = await r.t.hub.retention.run('test');
    expect(done.state).toBe('done');
    return done as SweepRecord;
  };

  it('moves exactly what the rules allow as the clock moves on, and keeps the rest', async () => {
    await at(0);
    const [a, b, c] = [await newStore(), await newStore(), await newStore()];
    await sell(a, 1, 20);
    await feed(a, 10);
    await r.t.hub.sync.repo.ackFeed(a, 6);
    await feed(b, 5); // store B never connects
    await sell(c, 1, 5); // store C goes quiet after day 0
    await sell(c, 6, 1, { fail: true }); // parked; replayed (resolved) below
    await sell(c, 7, 1, { fail: true }); // parked for good
    sold.broken = false;
    expect((await r.t.call('POST', `/api/sync/parked/${c}/6/replay`, {}, { cookie: r.admin })).body).toMatchObject({
      outcome: 'applied',
    });
    sold.broken = true;
    const shop = await newStore();
    await r.t.call(
      'POST',
      '/api/catalog/products/import',
      { items: [{ sku: 'RET-LAMP', name: 'Lamp', category: 'Home', priceMinor: 2000 }] },
      { cookie: r.admin },
    );
    const moved: WireEvent = {
      origin: shop,
      seq: 1,
      hlc: hlcEncode({ wallMs: Date.now(), counter: 0, node: shop }),
      type: 'stock.moved',
      payload: { sku: 'RET-LAMP', delta: 10, kind: 'RECEIVE' },
    };
    await r.t.hub.sync.repo.applyBatch(shop, [moved], 0);
    const customerId = (await r.t.call('POST', '/api/customers', { name: 'Ada Audit' }, { cookie: r.admin })).body.id;
    const order = async (qty: number) =>
      (
        await r.t.call(
          'POST',
          '/api/orders',
          {
            customerId,
            placeKey: `ret-${target.name}-${++n}`,
            lines: [{ sku: 'RET-LAMP', qty }],
            fulfilment: { type: 'PICKUP', storeId: shop },
          },
          { cookie: r.admin },
        )
      ).body;
    const open = await order(1);
    const cancelled = await order(1);
    expect(
      (await r.t.call('POST', `/api/orders/${cancelled.id}/cancel`, undefined, { cookie: r.admin })).body.status,
    ).toBe('CANCELLED');
    const failed = await order(50); // out of stock
    expect([open.status, failed.status]).toEqual(['CONFIRMED', 'FAILED']);
    const timeline = async (id: string) =>
      (await r.t.call('GET', `/api/orders/${id}`, undefined, { cookie: r.admin })).body.timeline.map(
        (e: { kind: string }) => e.kind,
      );
    const hotEvents = async (id: string) =>
      (await r.t.hub.db.query('SELECT 1 FROM order_events WHERE order_id = $1', [id])).rowCount;
    const before = {
      open: await timeline(open.id),
      cancelled: await timeline(cancelled.id),
      failed: await timeline(failed.id),
    };

    await at(25);
    await sell(a, 21, 5);
    await feed(a, 3);
    const lateCancel = await order(1);
    await r.t.call('POST', `/api/orders/${lateCancel.id}/cancel`, undefined, { cookie: r.admin });

    await at(40);
    const first = await sweep();
    // events: day 0 ones are past 30 days, except each store's last acknowledged one (C's 7; A's 25 is young anyway)
    expect(await seqs('sync_events', 'origin', a)).toEqual(range(21, 25));
    expect(await seqs('sync_events_archive', 'origin', a)).toEqual(range(1, 20));
    expect(await seqs('sync_events', 'origin', c)).toEqual([7]);
    expect(await seqs('sync_events_archive', 'origin', c)).toEqual(range(1, 6));
    // feed: A acknowledged up to 6: 1–5 go, 6 (its cursor) stays, 7 on were never acknowledged; B keeps all (its notes
    // and the catalog change every store's feed got)
    const [headA, headB] = [await r.t.hub.sync.repo.feedHead(a), await r.t.hub.sync.repo.feedHead(b)];
    expect([headA, headB]).toEqual([14, 6]);
    expect(await seqs('sync_feed', 'store_id', a)).toEqual(range(6, headA));
    expect(await seqs('sync_feed', 'store_id', b)).toEqual(range(1, headB));
    expect(first.moved).toMatchObject({ sync_events: 26, sync_feed: 5, sync_parked: 0, order_events: 0 });

    // each archived event sits in the partition of its month
    const parts = await r.t.hub.db.query<{ part: string; received_at: number }>(
      'SELECT tableoid::regclass::text AS part, received_at FROM sync_events_archive WHERE origin = $1',
      [a],
    );
    for (const r of parts.rows) {
      const d = new Date(Number(r.received_at));
      expect(r.part).toBe(`sync_events_archive_y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
    }

    // the operator's view says who holds feed entries past their age, and since when
    const status = (await r.t.call('GET', '/api/sync/retention', undefined, { cookie: r.admin })).body;
    const feedStatus = status.tables.find((x: { table: string }) => x.table === 'sync_feed');
    const waiting = (storeId: string) =>
      feedStatus.waiting.worst.find((w: { storeId: string }) => w.storeId === storeId);
    expect(waiting(a)).toMatchObject({ entries: headA - 6, acked: 6, neverConnected: true });
    expect(waiting(b)).toMatchObject({ entries: headB, acked: 0, neverConnected: true, oldestAt: expect.any(Number) });
    expect(status.lastSweep).toMatchObject({ state: 'done', trigger: 'test', moved: first.moved });
    const eventsStatus = status.tables.find((x: { table: string }) => x.table === 'sync_events');
    expect(eventsStatus).toMatchObject({ action: 'archive', movedTotal: expect.any(Number) });
    expect(eventsStatus.archive.partitions.length).toBeGreaterThan(0);

    // a second sweep at the same time finds nothing more to do
    expect((await sweep()).moved).toMatchObject({ sync_events: 0, sync_feed: 0 });

    // 400 days on: A's day-25 events go (its acknowledged 25 stays), the resolved parked event goes, the open one stays
    await at(401);
    await sweep();
    expect(await seqs('sync_events', 'origin', a)).toEqual([25]);
    expect(await seqs('sync_events_archive', 'origin', a)).toEqual(range(1, 24));
    expect(await seqs('sync_parked', 'origin', c)).toEqual([7]);
    expect(await seqs('sync_feed', 'store_id', a)).toEqual(range(6, headA));
    // timelines of orders that ended 400 days ago are archived, yet read the same; open ones and later ones stay hot
    expect([await hotEvents(cancelled.id), await hotEvents(failed.id)]).toEqual([0, 0]);
    expect(await hotEvents(open.id)).toBe(before.open.length);
    expect(await hotEvents(lateCancel.id)).toBeGreaterThan(0);
    expect({
      open: await timeline(open.id),
      cancelled: await timeline(cancelled.id),
      failed: await timeline(failed.id),
    }).toEqual(before);
  });
});
