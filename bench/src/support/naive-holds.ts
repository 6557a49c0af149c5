import { Router } from 'express';
import { z } from 'zod';
import { generateKeyPairSync, sign } from 'node:crypto';
import {
  ConflictError,
  feedEntry,
  parseOrThrow,
  PICKUP_CODE_PREFIX,
  pickupPayload,
  quantitySchema,
  skuSchema,
  uuidSchema,
  uuidv7,
  type FeedPayload,
} from '@storefleet/shared';
import type { Db, FeedWriter, HubModule } from '@storefleet/central';
import { assertStoreAccess } from '../../../central/src/kernel/access.js';
import { RESERVATIONS, type Reservations } from '../../../central/src/kernel/ports/reservations.js';

/** One hold request as the benchmarks make it: one line. */
export interface HoldAsk {
  readonly storeId: string;
  readonly sku: string;
  readonly qty: number;
}

/** How long a pickup code stays valid after the hold is made: the hub's pickup window (72 h). */
const PICKUP_WINDOW_MS = 72 * 3600_000;

/** A hold as the plain way grants it: the fields of the hub's `reservation.changed` feed entry. */
export type NaiveHold = FeedPayload<'reservation.changed'> & { readonly storeId: string; readonly createdAt: number };

/**
 * The anchor of `reserve`, the plain way: per request, one transaction that locks the stock row with SELECT … FOR
 * UPDATE, checks on hand − reserved − safety, adds to reserved, inserts the reservation and appends its
 * `reservation.changed` entry to the store's feed (the hub's FeedWriter, as every module writes its feed), so it does
 * the writes the hub's hold does, without batching. Throws ConflictError, as the hub's service does, when the stock
 * does not cover it.
 */
export async function naiveHold(db: Db, feed: FeedWriter, ask: HoldAsk): Promise<NaiveHold> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ available: number }>(
      'SELECT on_hand - reserved - safety AS available FROM inventory_stock WHERE store_id = $1 AND sku = $2 FOR UPDATE',
      [ask.storeId, ask.sku],
    );
    const left = Number(rows[0]?.available ?? 0);
    if (left < ask.qty) throw new ConflictError(`only ${left} of ${ask.sku} available at store ${ask.storeId}`);
    const now = Date.now();
    const hold: NaiveHold = {
      id: uuidv7(),
      storeId: ask.storeId,
      customerRef: 'bench',
      status: 'HELD',
      lines: [{ sku: ask.sku, qty: ask.qty }],
      expiresAt: now + 900_000,
      createdAt: now,
      updatedAt: now,
    };
    await tx.query('UPDATE inventory_stock SET reserved = reserved + $3 WHERE store_id = $1 AND sku = $2', [
      ask.storeId,
      ask.sku,
      ask.qty,
    ]);
    await tx.query(
      `INSERT INTO reservations (id, store_id, customer_ref, status, lines, expires_at, created_at, updated_at)
       VALUES ($1, $2, $3, 'HELD', $4, $5, $6, $6)`,
      [hold.id, hold.storeId, hold.customerRef, JSON.stringify(hold.lines), hold.expiresAt, now],
    );
    await feed.append(tx, hold.storeId, [feedEntry('reservation.changed', hold)]);
    return hold;
  });
}

/**
 * Signs a pickup code as the hub's answer carries one: the shared claim payload, Ed25519 (a key of the anchor's own:
 * the hub keeps its key to itself; the cost of a signature does not depend on which key makes it).
 */
function pickupSigner(): (hold: NaiveHold) => string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return (hold) => {
    const payload = pickupPayload({
      reservationId: hold.id,
      storeId: hold.storeId,
      lines: hold.lines,
      expiresAt: hold.createdAt + PICKUP_WINDOW_MS,
    });
    return `${PICKUP_CODE_PREFIX}.${payload}.${sign(null, Buffer.from(payload), privateKey).toString('base64url')}`;
  };
}

const body = z.strictObject({ storeId: uuidSchema, sku: skuSchema, qty: quantitySchema });

/**
 * A bench-only hub module: `POST /api/bench/naive-hold` (a store's token, its own store only) runs `naiveHold` behind
 * the hub's full HTTP stack (authentication, Idempotency-Key) and answers the hold with a signed pickup code, as
 * `POST /api/reservations` does, so the HTTP figure has an anchor that crosses the same stack and does the same work;
 * `naive()` is `naiveHold` on the hub's database and feed; `reservations()` gives the hub's own reservations service
 * (the RESERVATIONS port, as orders get it).
 */
export function benchHolds(): {
  module: HubModule;
  naive: () => (ask: HoldAsk) => Promise<NaiveHold>;
  reservations: () => Reservations;
} {
  let service: Reservations | undefined;
  let naive: ((ask: HoldAsk) => Promise<NaiveHold>) | undefined;
  const built = <T>(x: T | undefined): T => {
    if (!x) throw new Error('the hub is not built yet');
    return x;
  };
  const module: HubModule = {
    name: 'bench_naive_holds',
    needs: [RESERVATIONS],
    routes: (ctx) => {
      service = ctx.services.get(RESERVATIONS);
      naive = (ask) => naiveHold(ctx.db, ctx.feed, ask);
      const code = pickupSigner();
      return Router().post('/bench/naive-hold', async (req, res) => {
        const ask = parseOrThrow(body, req.body, 'hold');
        assertStoreAccess(req, ask.storeId);
        const hold = await naiveHold(ctx.db, ctx.feed, ask);
        res.status(201).json({ ...hold, pickupCode: code(hold) });
      });
    },
  };
  return { module, naive: () => built(naive), reservations: () => built(service) };
}
