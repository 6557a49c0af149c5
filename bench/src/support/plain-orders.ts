import { Router } from 'express';
import { z } from 'zod';
import {
  applyRatePpm,
  DEFAULT_TAX_RATES_PPM,
  ForbiddenError,
  FULFILMENT_TYPES,
  money,
  NotFoundError,
  parseOrThrow,
  quantitySchema,
  skuSchema,
  uuidSchema,
  uuidv7,
} from '@storefleet/shared';
import type { HubModule, Queryable } from '@storefleet/central';
import { ownsAny, principalOf, storeOf } from '../../../central/src/kernel/access.js';
import { CATALOG_PRODUCTS } from '../../../central/src/kernel/ports/catalog.js';
import { CUSTOMER_DIRECTORY } from '../../../central/src/kernel/ports/customers.js';
import {
  PaymentTimeoutError,
  type PaymentProvider,
  type SimulatedWarehouse,
} from '../../../central/src/modules/orders/index.js';

const HOLD_TTL_MS = 15 * 60_000;
const PICKUP_WINDOW_MS = 3 * 86_400_000;
const placeBody = z.strictObject({
  customerId: uuidSchema,
  placeKey: z.string().trim().min(8).max(100),
  lines: z
    .array(z.strictObject({ sku: skuSchema, qty: quantitySchema }))
    .min(1)
    .max(50),
  fulfilment: z.strictObject({ type: z.enum(FULFILMENT_TYPES), storeId: uuidSchema.nullable().default(null) }),
});
type Line = { sku: string; qty: number; unitPriceMinor: number; taxClass: string };

/**
 * The anchor of `npm run bench -- orders`: the order saga written the plain way, `POST /api/bench/plain-orders`. The
 * same request shape, callers, customer and product look-ups, payment provider and warehouse as `POST /api/orders`,
 * and the same steps — place, RESERVE (the stock rows locked with `SELECT … FOR UPDATE`, reserved raised, a hold and
 * its feed entry for the store), AUTHORISE, FULFIL, CONFIRM (the hold confirmed, its feed entry) — but each step is its
 * own transaction that locks the order row, every statement is sent alone, and nothing is batched across orders. A
 * payment that fails voids it and releases the hold in one more transaction. Stock lives in its own table
 * (`plain_stock`), seeded like the hub's.
 */
export function plainOrders(externals: { payments: PaymentProvider; warehouse: SimulatedWarehouse }): HubModule {
  return {
    name: 'bench_plain_orders',
    migrations: new URL('./plain-orders-schema/', import.meta.url),
    needs: [CUSTOMER_DIRECTORY, CATALOG_PRODUCTS],
    routes: (ctx) =>
      Router().post('/bench/plain-orders', async (req, res) => {
        const body = parseOrThrow(placeBody, req.body, 'order');
        const principal = principalOf(req);
        const customer = await ctx.services.get(CUSTOMER_DIRECTORY).get(body.customerId);
        if (!customer) throw new NotFoundError('customer', body.customerId);
        const products = await ctx.services.get(CATALOG_PRODUCTS).many(body.lines.map((l) => l.sku));
        const lines: Line[] = body.lines.map((l) => {
          const p = products.get(l.sku);
          if (!p) throw new NotFoundError('product', l.sku);
          return { sku: l.sku, qty: l.qty, unitPriceMinor: p.priceMinor, taxClass: p.taxClass };
        });
        const f = body.fulfilment;
        if (f.type !== 'SHIP' && !ownsAny(principal, [f.storeId]))
          throw new ForbiddenError(`a store places orders fulfilled at itself or shipped: no access to ${f.storeId}`);
        const total = lines.reduce(
          (n, l) =>
            n +
            l.unitPriceMinor * l.qty +
            applyRatePpm(money(l.unitPriceMinor * l.qty, 'USD'), DEFAULT_TAX_RATES_PPM[l.taxClass] ?? 0).minor,
          0,
        );
        const id = uuidv7();
        let seq = 0;
        const event = (tx: Queryable, kind: string, detail: unknown = null) =>
          tx.query('INSERT INTO plain_order_events (order_id, seq, at, kind, detail) VALUES ($1, $2, $3, $4, $5)', [
            id,
            ++seq,
            ctx.now(),
            kind,
            JSON.stringify(detail),
          ]);
        /** One step: its own transaction, the order row locked first. */
        const step = (run: (tx: Queryable, now: number) => Promise<void>) =>
          ctx.db.transaction(async (tx) => {
            await tx.query('SELECT id FROM plain_orders WHERE id = $1 FOR UPDATE', [id]);
            await run(tx, ctx.now());
          });
        const holdEntry = (tx: Queryable, hold: Record<string, unknown>, at: string) =>
          ctx.feed.append(tx, at, [{ type: 'reservation.changed', payload: hold }]);
        const fail = async (reason: string, holdId: string | null, at: string | null) => {
          await step(async (tx, now) => {
            if (holdId && at) {
              await tx.query('SELECT id FROM plain_holds WHERE id = $1 FOR UPDATE', [holdId]);
              for (const l of lines)
                await tx.query(
                  'UPDATE plain_stock SET reserved = reserved - $3, updated_at = $4 WHERE location_id = $1 AND sku = $2',
                  [at, l.sku, l.qty, now],
                );
              await tx.query("UPDATE plain_holds SET status = 'RELEASED', updated_at = $2 WHERE id = $1", [
                holdId,
                now,
              ]);
              await holdEntry(tx, { id: holdId, storeId: at, status: 'RELEASED', updatedAt: now }, at);
              await event(tx, 'RELEASE_HOLD');
            }
            await tx.query("UPDATE plain_orders SET status = 'FAILED', failure = $2, updated_at = $3 WHERE id = $1", [
              id,
              reason,
              now,
            ]);
            await event(tx, 'FAILED', { reason });
          });
          res.status(201).json({ id, status: 'FAILED', failure: reason, totalMinor: total });
        };

        // Place.
        const now0 = ctx.now();
        const placed = await ctx.db.transaction(async (tx) => {
          const ins = await tx.query(
            `INSERT INTO plain_orders (id, customer_id, place_key, placed_store_id, status, step, fulfilment, lines, total_minor, currency, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 'PENDING', 'RESERVE', $5, $6, $7, 'USD', $8, $8) ON CONFLICT (place_key) DO NOTHING`,
            [id, customer.id, body.placeKey, storeOf(principal), JSON.stringify(f), JSON.stringify(lines), total, now0],
          );
          if (ins.rowCount === 1) await event(tx, 'PLACED', { customerName: customer.name, total });
          return ins.rowCount === 1;
        });
        if (!placed) {
          const { rows } = await ctx.db.query('SELECT id, status FROM plain_orders WHERE place_key = $1', [
            body.placeKey,
          ]);
          return void res.status(200).json(rows[0]);
        }

        // RESERVE: the stock rows under lock, checked, raised; the hold and its feed entry.
        const holdId = uuidv7();
        let at: string | null = f.storeId;
        let refused: string | null = null;
        await step(async (tx, now) => {
          if (f.type === 'SHIP') {
            const { rows } = await tx.query<{ id: string }>(
              `SELECT l.id FROM locations l JOIN plain_stock s ON s.location_id = l.id
               JOIN unnest($1::text[], $2::bigint[]) AS want(sku, qty) ON want.sku = s.sku
               WHERE l.kind = 'DC' AND s.on_hand - s.reserved - s.safety >= want.qty
               GROUP BY l.id HAVING count(*) = $3 ORDER BY min(s.on_hand - s.reserved - s.safety) DESC, l.id LIMIT 1`,
              [lines.map((l) => l.sku), lines.map((l) => l.qty), lines.length],
            );
            at = rows[0]?.id ?? null;
            if (!at) {
              refused = 'out of stock: no distribution centre can ship every line';
              return;
            }
          }
          const { rows } = await tx.query<{ sku: string; available: string | number }>(
            `SELECT sku, on_hand - reserved - safety AS available FROM plain_stock
             WHERE location_id = $1 AND sku = ANY($2::text[]) ORDER BY sku FOR UPDATE`,
            [at, lines.map((l) => l.sku)],
          );
          const available = new Map(rows.map((r) => [r.sku, Number(r.available)]));
          const short = lines.find((l) => (available.get(l.sku) ?? 0) < l.qty);
          if (short) {
            refused = `out of stock: ${short.sku}`;
            return;
          }
          for (const l of lines)
            await tx.query(
              'UPDATE plain_stock SET reserved = reserved + $3, updated_at = $4 WHERE location_id = $1 AND sku = $2',
              [at, l.sku, l.qty, now],
            );
          const hold = {
            id: holdId,
            storeId: at,
            customerRef: customer.name,
            status: 'HELD',
            lines: lines.map((l) => ({ sku: l.sku, qty: l.qty })),
            expiresAt: now + HOLD_TTL_MS,
            createdAt: now,
            updatedAt: now,
          };
          await tx.query(
            `INSERT INTO plain_holds (id, location_id, customer_ref, status, lines, expires_at, created_at, updated_at)
             VALUES ($1, $2, $3, 'HELD', $4, $5, $6, $6)`,
            [holdId, at, customer.name, JSON.stringify(hold.lines), hold.expiresAt, now],
          );
          await holdEntry(tx, hold, at!);
          await tx.query(
            "UPDATE plain_orders SET step = 'AUTHORISE', location_id = $2, hold_id = $3, updated_at = $4 WHERE id = $1",
            [id, at, holdId, now],
          );
          await event(tx, 'RESERVE', { locationId: at });
        });
        if (refused) return fail(refused, null, null);

        // AUTHORISE: the provider, outside any transaction; its answer recorded in the next.
        let paymentRef: string;
        try {
          const result = await externals.payments.authorise({ key: id, amountMinor: total, currency: 'USD' });
          if (!result.approved) return fail(`payment declined: ${result.reason}`, holdId, at);
          paymentRef = result.ref;
        } catch (err) {
          if (!(err instanceof PaymentTimeoutError)) throw err;
          await externals.payments.void(id);
          return fail(`payment timed out: ${err.message}`, holdId, at);
        }
        await step(async (tx, now) => {
          await tx.query("UPDATE plain_orders SET step = 'FULFIL', payment_ref = $2, updated_at = $3 WHERE id = $1", [
            id,
            paymentRef,
            now,
          ]);
          await event(tx, 'AUTHORISE');
        });

        // FULFIL: a shipment at the warehouse for SHIP; a pickup or delivery request is recorded.
        const ref =
          f.type === 'SHIP'
            ? (await externals.warehouse.createShipment({ key: id, dcId: at!, lines })).ref
            : f.type === 'DELIVERY'
              ? `delivery-request:${id}`
              : `store-pickup:${holdId}`;
        await step(async (tx, now) => {
          await tx.query(
            "UPDATE plain_orders SET step = 'CONFIRM', fulfilment_ref = $2, updated_at = $3 WHERE id = $1",
            [id, ref, now],
          );
          await event(tx, 'FULFIL');
        });

        // CONFIRM: the hold (locked) becomes a pickup; the store hears of it; the order is confirmed.
        await step(async (tx, now) => {
          await tx.query('SELECT id FROM plain_holds WHERE id = $1 FOR UPDATE', [holdId]);
          await tx.query(
            "UPDATE plain_holds SET status = 'CONFIRMED', expires_at = $2, updated_at = $3 WHERE id = $1",
            [holdId, now + PICKUP_WINDOW_MS, now],
          );
          await holdEntry(tx, { id: holdId, storeId: at, status: 'CONFIRMED', updatedAt: now }, at!);
          await tx.query("UPDATE plain_orders SET status = 'CONFIRMED', step = 'DONE', updated_at = $2 WHERE id = $1", [
            id,
            now,
          ]);
          await event(tx, 'CONFIRM');
          await event(tx, 'CONFIRMED');
        });
        // As the real saga's confirmation does: the order's stores may see its customer from now on.
        for (const s of new Set([f.type === 'SHIP' ? null : f.storeId, storeOf(principal)]))
          if (s) await ctx.services.get(CUSTOMER_DIRECTORY).linkStore(customer.id, s, 'order');
        res.status(201).json({ id, status: 'CONFIRMED', totalMinor: total, fulfilment: { ...f, locationId: at } });
      }),
  };
}
