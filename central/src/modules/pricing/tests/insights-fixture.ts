import { randomUUID } from 'node:crypto';
import type { TestHub } from '../../../../tests/support/test-hub.js';
import { StoreOutbox } from '../../../../tests/support/store-outbox.js';

/** The catalog the insights tests price: [sku, name, category, price]. */
export const PRODUCTS: [string, string, string, number][] = [
  ['MILK', 'Milk 1 l', 'Dairy', 300],
  ['YOGURT', 'Yoghurt', 'Dairy', 150],
  ['BREAD', 'Bread', 'Bakery', 400],
  ['APPLES', 'Apples', 'Produce', 250],
];

export async function importProducts(t: TestHub, admin: string): Promise<void> {
  const items = PRODUCTS.map(([sku, name, category, priceMinor]) => ({ sku, name, category, priceMinor }));
  const r = await t.call('POST', '/api/catalog/products/import', { items }, { cookie: admin });
  if (r.status !== 200) throw new Error(`import: ${r.status} ${JSON.stringify(r.body)}`);
}

/** A book straight into the table (the books' routes are another lane's): its id. */
export async function book(
  t: TestHub,
  scope: 'CHAIN' | 'REGION' | 'STORE',
  target: { storeId?: string; regionId?: string } = {},
): Promise<string> {
  const id = randomUUID();
  const now = Date.now();
  await t.hub.db.query(
    `INSERT INTO pricing_books (id, name, scope, store_id, region_id, currency, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 'USD', $6, $6)`,
    [id, `${scope} book`, scope, target.storeId ?? null, target.regionId ?? null, now],
  );
  return id;
}

export async function entry(t: TestHub, bookId: string, sku: string, priceMinor: number, from = 0): Promise<void> {
  await t.hub.db.query(
    `INSERT INTO pricing_entries (id, book_id, sku, price_minor, valid_from, revision, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, nextval('pricing_revision_seq'), 0, 0)`,
    [randomUUID(), bookId, sku, priceMinor, from],
  );
}

/** Sends completed sales of `lines` ([sku, qty, unit]) at the given times from the store. */
export async function sendSales(
  outbox: StoreOutbox,
  sales: { at: number; lines: [string, number, number][] }[],
): Promise<string[]> {
  const ids = sales.map(() => randomUUID());
  await outbox.send(...sales.map((s, i) => outbox.event('sale.completed', completed(ids[i]!, s.at, s.lines))));
  const { rows } = await outbox.t.hub.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM sales WHERE sale_id = ANY($1::text[])',
    [ids],
  );
  if (rows[0]?.n !== ids.length) throw new Error(`the ledger holds ${rows[0]?.n} of ${ids.length} sales`);
  return ids;
}

export { StoreOutbox };

/** A paid sale of `lines` ([sku, qty, unit price]) at 10 % tax, closed at `closedAt`, paid by card. */
export function completed(saleId: string, closedAt: number, lines: [string, number, number][]) {
  const rows = lines.map(([sku, qty, unit]) => ({
    sku,
    qty,
    unitPriceMinor: unit,
    taxClass: 'STANDARD',
    subtotalMinor: qty * unit,
    taxMinor: Math.round(qty * unit * 0.1),
  }));
  const subtotalMinor = rows.reduce((n, l) => n + l.subtotalMinor, 0);
  const taxMinor = rows.reduce((n, l) => n + l.taxMinor, 0);
  const totalMinor = subtotalMinor + taxMinor;
  return {
    saleId,
    lane: 'LANE-1',
    currency: 'USD',
    openedAt: closedAt - 60_000,
    closedAt,
    lines: rows,
    subtotalMinor,
    taxMinor,
    totalMinor,
    tenders: [{ kind: 'CARD', amountMinor: totalMinor, reference: `AUTH-${saleId}` }],
  };
}
