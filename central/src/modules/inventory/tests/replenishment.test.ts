import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlcEncode } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { replenishment } from '../replenishment-rules.js';
import { ReplenishmentSweep } from '../replenishment.js';

const DAY = 86_400_000;

describe('the reorder-point rule', () => {
  it('reorders at demand over the lead time plus safety, up to lead time + a week of demand', () => {
    // 3 a day, 3 days' lead time: reorder at 9; order up to 3 × (3 + 7) = 30
    expect(replenishment({ onHand: 10, reserved: 0, safety: 0, soldInWindow: 84, leadTimeDays: 3 })).toMatchObject({
      velocityPerDay: 3,
      reorderPoint: 9,
      low: false,
      suggestedQty: 0,
    });
    expect(replenishment({ onHand: 9, reserved: 0, safety: 0, soldInWindow: 84, leadTimeDays: 3 })).toMatchObject({
      reorderPoint: 9,
      low: true,
      suggestedQty: 21,
    });
    // units promised online are not on the shelf for walk-ins; safety stock raises both levels
    expect(replenishment({ onHand: 15, reserved: 6, safety: 4, soldInWindow: 84, leadTimeDays: 3 })).toMatchObject({
      reorderPoint: 13,
      low: true,
      suggestedQty: 25,
    });
  });

  it('never alerts for an item nothing sells and that keeps no safety stock, even at zero', () => {
    expect(replenishment({ onHand: 0, reserved: 0, safety: 0, soldInWindow: 0, leadTimeDays: 3 })).toMatchObject({
      low: false,
      suggestedQty: 0,
    });
    expect(replenishment({ onHand: 1, reserved: 0, safety: 2, soldInWindow: 0, leadTimeDays: 3 })).toMatchObject({
      low: true,
      suggestedQty: 1,
    });
  });
});

describe.each(dbTargets)('low-stock alerts and reorder suggestions on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let store: { id: string; token: string };
  let seq = 0;
  // Past the settle time, so rows changed a moment ago are swept now.
  const sweeper = () => new ReplenishmentSweep(t.hub.db, t.hub.sync.feed, () => Date.now() + 2000);

  const move = (...moves: { sku: string; delta: number; kind: string; at?: number }[]) =>
    t.hub.sync.repo.applyBatch(
      store.id,
      moves.map((payload) => ({
        origin: store.id,
        seq: ++seq,
        hlc: hlcEncode({ wallMs: Date.now(), counter: seq, node: store.id }),
        type: 'stock.moved',
        payload,
      })),
      0,
    );
  const feed = async () =>
    (
      await t.hub.db.query<{ type: string; payload: any }>(
        `SELECT type, payload FROM sync_feed WHERE store_id = $1 AND type LIKE 'inventory.%' ORDER BY seq`,
        [store.id],
      )
    ).rows;
  const alerts = async () =>
    (await t.call('GET', `/api/inventory/alerts?storeId=${store.id}`, undefined, { bearer: store.token })).body.items;

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    const items = ['MILK', 'EGGS'].map((sku) => ({
      sku,
      name: sku.toLowerCase(),
      category: 'Grocery',
      priceMinor: 100,
    }));
    expect((await t.call('POST', '/api/catalog/products/import', { items }, { cookie: admin })).status).toBe(200);
    const reg = await t.call(
      'POST',
      '/api/locations',
      { code: 'REPL', name: 'Replenished', kind: 'STORE', lat: 40, lon: -74 },
      { cookie: admin },
    );
    store = {
      id: reg.body.location.id,
      token: (await t.call('POST', '/api/auth/store-token', reg.body.credential)).body.token,
    };
  });
  afterAll(() => t?.stop());

  it('raises one alert with a suggestion when sales bring a sku to its reorder point, and clears it on restock', async () => {
    const now = Date.now();
    await move({ sku: 'MILK', delta: 100, kind: 'RECEIVE', at: now - 40 * DAY });
    // 84 sold over the last four weeks: 3 a day, so with 3 days' lead time the reorder point is 9
    await move(
      ...Array.from({ length: 28 }, (_, d) => ({
        sku: 'MILK',
        delta: -3,
        kind: 'SALE',
        at: now - (d + 1) * DAY + 3600_000,
      })),
    );
    await sweeper().sweep();
    expect(await alerts()).toEqual([]);

    await move({ sku: 'MILK', delta: -8, kind: 'SALE' }); // 8 left; 92 sold in the window → 3.29 a day
    await sweeper().sweep();
    expect(await alerts()).toEqual([
      expect.objectContaining({ sku: 'MILK', onHand: 8, reorderPoint: 10, suggestedQty: 25, low: true }), // up to ⌈3.29 × 10⌉ = 33
    ]);
    expect((await feed()).map((e) => `${e.type}:${e.payload.sku}:${e.payload.suggestedQty ?? ''}`)).toEqual([
      'inventory.low-stock:MILK:25',
    ]);

    await move({ sku: 'MILK', delta: -2, kind: 'SALE' }); // still low: the suggestion follows, no second alert
    await sweeper().sweep();
    expect((await alerts())[0]).toMatchObject({ onHand: 6, suggestedQty: 28 });
    expect(await feed()).toHaveLength(1);

    await move({ sku: 'MILK', delta: 40, kind: 'RECEIVE' });
    await sweeper().sweep();
    expect(await alerts()).toEqual([]);
    expect((await feed()).map((e) => e.type)).toEqual(['inventory.low-stock', 'inventory.restocked']);
  });

  it('two hubs sweeping at once publish each alert once', async () => {
    await move({ sku: 'EGGS', delta: 10, kind: 'RECEIVE', at: Date.now() - 40 * DAY });
    await move({ sku: 'EGGS', delta: -9, kind: 'SALE' });
    await t.call(
      'PUT',
      `/api/inventory/stores/${store.id}/stock/EGGS/lead-time`,
      { leadTimeDays: 7 },
      { cookie: admin },
    );
    await Promise.all([sweeper().sweep(), sweeper().sweep(), sweeper().sweep()]);
    await sweeper().sweep(); // whichever lost the lock, the work is done once
    expect((await feed()).filter((e) => e.payload.sku === 'EGGS').map((e) => e.type)).toEqual(['inventory.low-stock']);
  });

  it('keeps each store to its own alerts; the fleet-wide list is for admins', async () => {
    const other = await t.call(
      'POST',
      '/api/locations',
      { code: 'OTHER', name: 'Other', kind: 'STORE', lat: 41, lon: -74 },
      { cookie: admin },
    );
    const otherToken = (await t.call('POST', '/api/auth/store-token', other.body.credential)).body.token;
    expect(
      (await t.call('GET', `/api/inventory/alerts?storeId=${store.id}`, undefined, { bearer: otherToken })).status,
    ).toBe(403);
    expect((await t.call('GET', '/api/inventory/alerts', undefined, { bearer: otherToken })).status).toBe(403);
    const fleet = await t.call('GET', '/api/inventory/alerts', undefined, { cookie: admin });
    expect(fleet.body.items.map((a: { sku: string }) => a.sku)).toEqual(['EGGS']);
    const bad = await t.call(
      'PUT',
      `/api/inventory/stores/${store.id}/stock/EGGS/lead-time`,
      { leadTimeDays: -1 },
      { cookie: admin },
    );
    expect(bad.status).toBe(400);
  });
});
