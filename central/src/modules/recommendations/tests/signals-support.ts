import { hlcEncode } from '@storefleet/shared';
import type { TestHub } from '../../../../tests/support/test-hub.js';

/** One row of recs_interactions as a test compares it. */
export interface InteractionRow {
  customerId: string | null;
  sessionId: string | null;
  sku: string;
  kind: string;
  storeId: string | null;
  source: string;
  sourceRef: string;
  at: number;
}

/** The interactions recorded from `source` (all of them, or those whose sourceRef starts with `refPrefix`). */
export async function interactionsOf(t: TestHub, source: string, refPrefix = ''): Promise<InteractionRow[]> {
  const { rows } = await t.hub.db.query<InteractionRow>(
    `SELECT customer_id AS "customerId", session_id AS "sessionId", sku, kind, store_id AS "storeId", source,
            source_ref AS "sourceRef", at
       FROM recs_interactions WHERE source = $1 AND starts_with(source_ref, $2) ORDER BY sku, id`,
    [source, refPrefix],
  );
  return rows.map((r) => ({ ...r, at: Number(r.at) }));
}

/** Receives `qty` of `sku` at a location through the sync path, as a store's stock event would. */
export function stockIn(t: TestHub, location: string, seq: number, sku: string, qty: number) {
  return t.hub.sync.repo.applyBatch(
    location,
    [
      {
        origin: location,
        seq,
        hlc: hlcEncode({ wallMs: Date.now(), counter: seq, node: location }),
        type: 'stock.moved',
        payload: { sku, delta: qty, kind: 'RECEIVE' },
      },
    ],
    0,
  );
}

/** Products in the catalog (admin). */
export async function importProducts(t: TestHub, admin: string, skus: readonly string[]): Promise<void> {
  const r = await t.call(
    'POST',
    '/api/catalog/products/import',
    {
      items: skus.map((sku) => ({
        sku,
        name: `Product ${sku}`,
        category: 'Home',
        priceMinor: 1000,
        taxClass: 'STANDARD',
      })),
    },
    { cookie: admin },
  );
  if (r.status >= 300) throw new Error(`import: ${r.status} ${JSON.stringify(r.body)}`);
}

/** A new customer (admin), with the loyalty card head office sees whole. */
export async function newCustomer(t: TestHub, admin: string, name: string): Promise<{ id: string; card: string }> {
  const r = await t.call('POST', '/api/customers', { name }, { cookie: admin });
  if (r.status !== 201) throw new Error(`customer: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.id, card: r.body.loyaltyCard };
}

/** A loyalty card number nobody was given (the right shape and check digit: it passes the lane's offline check). */
export function unknownCard(): string {
  let body = '29';
  for (let i = 0; i < 13; i++) body += String(Math.floor(Math.random() * 10));
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return body + String((10 - (sum % 10)) % 10);
}

/** A paid sale at a lane of `lines` ([sku, qty, unit price]) at 10 % tax, closed at `closedAt`, with a card or not. */
export function saleOf(
  saleId: string,
  closedAt: number,
  lines: [string, number, number][],
  customerCard?: string,
): Record<string, unknown> {
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
  return {
    saleId,
    lane: 'LANE-1',
    currency: 'USD',
    openedAt: closedAt - 60_000,
    closedAt,
    lines: rows,
    subtotalMinor,
    taxMinor,
    totalMinor: subtotalMinor + taxMinor,
    tenders: [{ kind: 'CARD', amountMinor: subtotalMinor + taxMinor, reference: `AUTH-${saleId}` }],
    ...(customerCard ? { customerCard } : {}),
  };
}
