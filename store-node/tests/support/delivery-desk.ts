import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeliveryChanged, DeliveryReturned } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../../src/index.js';

/** 14:05 in Berlin on Sat 28 Nov 2026 (13:05 UTC): the desk's "today" is the store's day, whatever the test machine's. */
export const DESK_NOW = Date.UTC(2026, 10, 28, 13, 5);
const MIN = 60_000;

/** Products of the store's catalog copy, with opening stock. */
export const DESK_PRODUCTS = [
  { sku: 'TEA-GREEN', name: 'Green tea, 20 bags', category: 'Beverages', stock: 40 },
  { sku: 'MUG-RED', name: 'Red enamel mug', category: 'Kitchen', stock: 12 },
  { sku: 'WINE-RED', name: 'Rioja 2021, 75 cl', category: 'Beverages', stock: 24 },
] as const;

export type DeskDeliveryInput = Partial<Omit<DeliveryChanged, 'lines'>> & {
  readonly orderNumber: string;
  readonly lines: { sku: string; qty: number }[];
};

/**
 * A store node with no hub (it is offline for good), in Berlin, its clock at `DESK_NOW` and running on: what the hub
 * would send arrives as feed entries through the sync storage's own `applyFeed` (the path a feed page takes), so the
 * handlers, their savepoints and the parking of a bad entry are the real ones.
 */
export async function deliveryDeskNode(prefix: string): Promise<DeliveryDesk> {
  const started = Date.now();
  const now = () => DESK_NOW + (Date.now() - started);
  const node = createStoreNode({
    dbPath: join(mkdtempSync(join(tmpdir(), prefix)), 'store.sqlite'),
    port: 0,
    logLevel: 'silent',
    mode: 'test',
    name: 'Harbour Street',
    timeZone: 'Europe/Berlin',
    now,
  });
  const put = node.db.prepare(
    `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
     VALUES (?, NULL, ?, NULL, NULL, ?, 999, 'USD', 'STANDARD', 1)`,
  );
  for (const p of DESK_PRODUCTS) put.run(p.sku, p.name, p.category);
  node.sync.write((emit) =>
    node.delivery.stock.moveAll(
      emit,
      DESK_PRODUCTS.map((p) => ({ sku: p.sku, delta: p.stock })),
      'RECEIVE',
      now(),
    ),
  );
  await node.start();
  let updated = now();
  const feed = (type: string, payload: unknown) =>
    node.sync.storage.applyFeed([{ seq: node.sync.storage.feedCursor() + 1, type, createdAt: now(), payload }]);
  /** The hub's copy of a delivery leaving from this store (with the order's hold, as the hub's feed brings both). */
  const changed = (d: DeskDeliveryInput & { id: string; reservationId: string }): DeliveryChanged => ({
    status: 'ASSIGNED',
    speed: 'TWO_HOUR',
    window: { from: now() + 60 * MIN, to: now() + 80 * MIN },
    customerName: 'Ann L.',
    area: '10115 Berlin',
    carrier: { kind: 'VAN', name: 'Harbour vans' },
    driver: { name: 'Sam K.', vehicle: 'B-SF 1042' },
    collectBy: DESK_NOW + 40 * MIN, // the same run for every bag of the same driver
    ageRestricted: false,
    updatedAt: ++updated,
    ...d,
  });
  const delivery = (d: DeskDeliveryInput): { id: string; reservationId: string; payload: DeliveryChanged } => {
    const id = d.id ?? randomUUID();
    const reservationId = d.reservationId ?? randomUUID();
    feed('reservation.changed', {
      id: reservationId,
      customerRef: 'Ann Lee',
      status: 'CONFIRMED',
      lines: d.lines,
      expiresAt: now() + 24 * 60 * MIN,
      createdAt: now() - 30 * MIN,
      updatedAt: ++updated,
      orderNumber: d.orderNumber,
    });
    const payload = changed({ ...d, id, reservationId });
    feed('delivery.changed', payload);
    return { id, reservationId, payload };
  };
  const returned = (r: Partial<DeliveryReturned> & Pick<DeliveryReturned, 'id' | 'orderNumber' | 'lines'>) =>
    feed('delivery.returned', { reason: 'nobody home', at: now(), ...r });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${node.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as any };
  };
  return { node, now, feed, changed, delivery, returned, call, nextUpdate: () => ++updated };
}

export interface DeliveryDesk {
  readonly node: StoreNode;
  now(): number;
  /** One feed entry, applied as a feed page applies it (the next seq). */
  feed(type: string, payload: unknown): number;
  /** A full `delivery.changed` payload from a few fields (assigned to Sam K. of Harbour vans, collecting in 40 min). */
  changed(d: DeskDeliveryInput & { id: string; reservationId: string }): DeliveryChanged;
  /** A delivery and its hold, through the feed. */
  delivery(d: DeskDeliveryInput): { id: string; reservationId: string; payload: DeliveryChanged };
  returned(r: Partial<DeliveryReturned> & Pick<DeliveryReturned, 'id' | 'orderNumber' | 'lines'>): number;
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; type: string; body: any }>;
  /** An updatedAt newer than every one sent so far. */
  nextUpdate(): number;
}
