import { Router } from 'express';
import { z } from 'zod';
import { ConflictError, parseOrThrow, quantitySchema, skuSchema, uuidSchema, uuidv7 } from '@storefleet/shared';
import type { Db, HubModule } from '@storefleet/central';
import { assertStoreAccess } from '../../../central/src/kernel/access.js';
import { RESERVATIONS, type Reservations } from '../../../central/src/kernel/ports/reservations.js';

/** One hold request as the benchmarks make it: one line. */
export interface HoldAsk {
  readonly storeId: string;
  readonly sku: string;
  readonly qty: number;
}

/**
 * The anchor of `reserve`, the plain way: per request, one transaction that locks the stock row with SELECT … FOR
 * UPDATE, checks on hand − reserved − safety, adds to reserved and inserts the reservation. No batching, no feed entry
 * (less work than the hub's hold). Throws ConflictError, as the hub's service does, when the stock does not cover it.
 */
export async function naiveHold(db: Db, ask: HoldAsk): Promise<void> {
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ available: number }>(
      'SELECT on_hand - reserved - safety AS available FROM inventory_stock WHERE store_id = $1 AND sku = $2 FOR UPDATE',
      [ask.storeId, ask.sku],
    );
    const left = Number(rows[0]?.available ?? 0);
    if (left < ask.qty) throw new ConflictError(`only ${left} of ${ask.sku} available at store ${ask.storeId}`);
    const now = Date.now();
    await tx.query('UPDATE inventory_stock SET reserved = reserved + $3 WHERE store_id = $1 AND sku = $2', [
      ask.storeId,
      ask.sku,
      ask.qty,
    ]);
    await tx.query(
      `INSERT INTO reservations (id, store_id, customer_ref, status, lines, expires_at, created_at, updated_at)
       VALUES ($1, $2, 'bench', 'HELD', $3, $4, $5, $5)`,
      [uuidv7(), ask.storeId, JSON.stringify([{ sku: ask.sku, qty: ask.qty }]), now + 900_000, now],
    );
  });
}

const body = z.strictObject({ storeId: uuidSchema, sku: skuSchema, qty: quantitySchema });

/**
 * A bench-only hub module: `POST /api/bench/naive-hold` (a store's token, its own store only) runs `naiveHold` behind
 * the hub's full HTTP stack (authentication, Idempotency-Key), so the HTTP figure has an anchor that crosses the same
 * stack; and `reservations()` gives the hub's own reservations service (the RESERVATIONS port, as orders get it).
 */
export function benchHolds(): { module: HubModule; reservations: () => Reservations } {
  let service: Reservations | undefined;
  const module: HubModule = {
    name: 'bench_naive_holds',
    needs: [RESERVATIONS],
    routes: (ctx) => {
      service = ctx.services.get(RESERVATIONS);
      return Router().post('/bench/naive-hold', async (req, res) => {
        const ask = parseOrThrow(body, req.body, 'hold');
        assertStoreAccess(req, ask.storeId);
        await naiveHold(ctx.db, ask);
        res.status(201).json({ ok: true });
      });
    },
  };
  return {
    module,
    reservations: () => {
      if (!service) throw new Error('the hub is not built yet');
      return service;
    },
  };
}
