import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoreNode, type StoreNode } from '../../src/index.js';

/**
 * Each feed entry type the hub sends has one schema (shared/src/protocol/feed-entries.ts). An entry whose payload
 * breaks it is parked at the store with the reason and changes nothing; the entries beside it on the same page apply.
 * Each malformed payload here is one the store applied before it checked (a status it does not know, a parking spot
 * of 500 characters, a fractional count, a field the hub never sends, a version that is not a number).
 */
describe('a malformed feed entry at the store', () => {
  let node: StoreNode;
  let seq = 0;
  const apply = (type: string, ...payloads: unknown[]) => {
    const from = seq;
    node.sync.storage.applyFeed(payloads.map((payload) => ({ seq: ++seq, type, payload, createdAt: 1_000 + seq })));
    return node.sync.storage
      .parkedFeed()
      .filter((p) => p.seq > from)
      .map((p) => [p.seq - from, p.reason]);
  };
  const hold = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    status: 'CONFIRMED',
    customerRef: 'cust',
    lines: [{ sku: 'MUG', qty: 1 }],
    expiresAt: 4_102_444_800_000,
    updatedAt: 5,
    ...extra,
  });
  const rows = (sql: string) => node.db.prepare(sql).all();

  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-feed-payloads-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
    });
    await node.start();
  });
  afterAll(() => node?.stop());

  it('reservation.changed: a hold with a status the hub does not have is parked', () => {
    expect(apply('reservation.changed', hold('r-1'), hold('r-2', { status: 'STOLEN' }), hold('r-3'))).toEqual([
      [
        2,
        expect.stringMatching(
          /^the reservation\.changed handler refused entry \d+: invalid reservation\.changed payload: status: /,
        ),
      ],
    ]);
    expect(rows('SELECT id, status FROM bopis_reservations ORDER BY id')).toEqual([
      { id: 'r-1', status: 'CONFIRMED' },
      { id: 'r-3', status: 'CONFIRMED' },
    ]);
  });

  it('order.checked-in: an arrival with a parking spot longer than the hub allows is parked', () => {
    const arrival = (reservationId: string, parkingSpot: string) => ({
      orderId: `o-${reservationId}`,
      reservationId,
      parkingSpot,
      at: 100,
    });
    expect(
      apply('order.checked-in', arrival('r-1', 'P1'), arrival('r-2', 'P'.repeat(500)), arrival('r-3', 'P3')),
    ).toEqual([
      [
        2,
        expect.stringMatching(
          /^the order\.checked-in handler refused entry \d+: invalid order\.checked-in payload: parkingSpot: /,
        ),
      ],
    ]);
    expect(
      rows('SELECT id, parking_spot AS spot FROM bopis_reservations WHERE parking_spot IS NOT NULL ORDER BY id'),
    ).toEqual([
      { id: 'r-1', spot: 'P1' },
      { id: 'r-3', spot: 'P3' },
    ]);
  });

  it('reservation.snapshot: a snapshot with a field the hub never sends is parked and ends nothing', () => {
    expect(
      apply(
        'reservation.snapshot',
        { from: null, to: 'r-1', ids: [] },
        { from: 'r-1', to: null, ids: [], extra: true },
        { from: 'r-3', to: null, ids: ['r-3'] },
      ),
    ).toEqual([
      [
        2,
        expect.stringMatching(
          /^the reservation\.snapshot handler refused entry \d+: invalid reservation\.snapshot payload: \(root\): Unrecognized key/,
        ),
      ],
    ]);
    expect(rows("SELECT id FROM bopis_reservations WHERE status = 'CONFIRMED' ORDER BY id")).toEqual([
      { id: 'r-1' },
      { id: 'r-3' },
    ]);
  });

  it('inventory.low-stock: a suggestion with a fractional count is parked', () => {
    const low = (sku: string, onHand: number) => ({
      sku,
      onHand,
      reserved: 0,
      velocityPerDay: 0.5,
      reorderPoint: 2,
      suggestedQty: 3,
      low: true,
    });
    expect(apply('inventory.low-stock', low('MUG', 1), low('TEA', 1.5), low('SOAP', 0))).toEqual([
      [
        2,
        expect.stringMatching(
          /^the inventory\.low-stock handler refused entry \d+: invalid inventory\.low-stock payload: onHand: /,
        ),
      ],
    ]);
    expect(rows('SELECT sku FROM reorder_suggestions ORDER BY sku')).toEqual([{ sku: 'MUG' }, { sku: 'SOAP' }]);
  });

  it('inventory.restocked: a notice with a field the hub never sends is parked and withdraws nothing', () => {
    expect(
      apply(
        'inventory.restocked',
        { sku: 'MUG', onHand: 9, reserved: 0 },
        { sku: 'SOAP', surprise: 1 },
        { sku: 'NONE' },
      ),
    ).toEqual([
      [
        2,
        expect.stringMatching(
          /^the inventory\.restocked handler refused entry \d+: invalid inventory\.restocked payload: \(root\): Unrecognized key/,
        ),
      ],
    ]);
    expect(rows('SELECT sku FROM reorder_suggestions ORDER BY sku')).toEqual([{ sku: 'SOAP' }]);
  });

  it('catalog.changed: a version that is not a number is parked instead of ignored', () => {
    expect(apply('catalog.changed', { version: 1 }, { version: 'seven' }, { version: 2 })).toEqual([
      [
        2,
        expect.stringMatching(
          /^the catalog\.changed handler refused entry \d+: invalid catalog\.changed payload: version: /,
        ),
      ],
    ]);
    expect(node.sync.storage.feedCursor()).toBe(seq);
  });
});
