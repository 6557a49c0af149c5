import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bothDbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub, type Caller } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { stockMover } from '../../../../tests/support/stock-moves.js';

const REPAIR = 'reservations.repair-oversells';

/**
 * A store sells a held sku offline twice before the oversell repair runs: the second sale finds the first one's
 * incident still open and is folded into it. The repair must cover what is short when it runs (both sales), not what
 * the incident said when the first sale opened it, or the store is left promising more than it has with no incident.
 */
describe.each(bothDbTargets)('oversell repair after two sales of the same held sku, on $name', (target) => {
  let t: TestHub;
  let admin: Caller;
  let storeA: { id: string; token: string };
  let storeB: { id: string; token: string };

  const stock = stockMover(() => t);
  const level = async (storeId: string, sku: string) => {
    const { rows } = await t.hub.db.query<{ on_hand: number; reserved: number }>(
      'SELECT on_hand, reserved FROM inventory_stock WHERE store_id = $1 AND sku = $2',
      [storeId, sku],
    );
    return { onHand: Number(rows[0]!.on_hand), reserved: Number(rows[0]!.reserved) };
  };
  const incidents = async (status: 'OPEN' | 'REPAIRED') =>
    (await t.call('GET', `/api/inventory/incidents?status=${status}&storeId=${storeA.id}`, undefined, admin)).body as {
      items: { sku: string; short: number; resolution: { short: number; actions: { action: string }[] } | null }[];
    };

  beforeAll(async () => {
    t = await TestHub.start(target, { logLevel: 'silent' });
    admin = { cookie: await t.login() };
    // The repair runs only when this test asks (below), so both sales land before it.
    await t.hub.jobs.unschedule(REPAIR);
    await waitFor('no repair run left in this hub', async () => {
      const runs = await Promise.all(t.hub.jobs.running.map((id) => t.hub.jobs.get(id)));
      return !runs.some((r) => r?.name === REPAIR);
    });
    storeA = await t.store('OS-A', admin.cookie!); // both at the same spot: B is the nearest store to A
    storeB = await t.store('OS-B', admin.cookie!);
    await t.call(
      'POST',
      '/api/catalog/products/import',
      { items: [{ sku: 'KETTLE', name: 'Kettle', category: 'Home', priceMinor: 2500, taxClass: 'STANDARD' }] },
      admin,
    );
    await stock(storeA.id, 'KETTLE', 6, 'RECEIVE');
    await stock(storeB.id, 'KETTLE', 10, 'RECEIVE');
  });
  afterAll(() => t?.stop());

  it('moves enough holds to cover both sales and leaves no shortfall behind', async () => {
    const holds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await t.call(
        'POST',
        '/api/reservations',
        { storeId: storeA.id, customerRef: `cust-${i}`, lines: [{ sku: 'KETTLE', qty: 2 }] },
        admin,
      );
      expect(r.status).toBe(201);
      holds.push(r.body.id);
    }
    expect(await level(storeA.id, 'KETTLE')).toEqual({ onHand: 6, reserved: 6 });

    await stock(storeA.id, 'KETTLE', -1, 'SALE'); // 5 on hand, 6 promised: an incident 1 short
    await stock(storeA.id, 'KETTLE', -2, 'SALE'); // 3 on hand, 6 promised: 3 short, the incident still open
    expect((await incidents('OPEN')).items).toHaveLength(1);

    const { id } = await t.hub.jobs.enqueue(REPAIR);
    const run = await waitFor('the repair run to end', async () => {
      const r = await t.hub.jobs.get(id);
      return r && (r.state === 'DONE' || r.state === 'FAILED') ? r : undefined;
    });
    expect(run.state).toBe('DONE');

    const after = await level(storeA.id, 'KETTLE');
    expect(after.reserved).toBeLessThanOrEqual(after.onHand);
    expect(after).toEqual({ onHand: 3, reserved: 2 }); // the two newest holds moved, the oldest stays
    expect((await incidents('OPEN')).items).toEqual([]);
    const [repaired] = (await incidents('REPAIRED')).items;
    expect(repaired!.resolution!.short).toBe(3);
    expect(repaired!.resolution!.actions.map((a) => a.action)).toEqual(['RESOURCED', 'RESOURCED']);

    const where = await Promise.all(
      holds.map(async (h) => (await t.call('GET', `/api/reservations/${h}`, undefined, admin)).body.storeId),
    );
    expect(where).toEqual([storeA.id, storeB.id, storeB.id]);
    expect(await level(storeB.id, 'KETTLE')).toEqual({ onHand: 10, reserved: 4 });
  });
});
