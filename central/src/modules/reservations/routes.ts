import { Router, type Request } from 'express';
import { z } from 'zod';
import { parseOrThrow, quantitySchema, skuSchema, uuidSchema } from '@storefleet/shared';
import { assertStoreAccess, requireAuth } from '../../kernel/access.js';
import type { PickupCodes } from './pickup-codes.js';
import type { ReservationService } from './service.js';
import type { Reservation } from './types.js';
import { PICKUP_WINDOW_MS } from './rules.js';
import { RESERVATION_STATUSES } from './types.js';

const newReservation = z.strictObject({
  storeId: uuidSchema,
  customerRef: z.string().trim().min(1).max(200),
  lines: z
    .array(z.strictObject({ sku: skuSchema, qty: quantitySchema }))
    .min(1)
    .max(50),
  ttlMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
});
const idParam = z.object({ id: uuidSchema });
const storeQuery = z.object({
  status: z.enum(RESERVATION_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function reservationRoutes(reservations: ReservationService, codes: Promise<PickupCodes>): Router {
  const r = Router();
  /** The reservation as callers see it: with the signed code the customer shows at pickup. */
  // The code stays valid for the pickup window from creation, whatever the hold's own expiry: the store honours it.
  const withCode = async (x: Reservation) => ({
    ...x,
    pickupCode: (await codes).code({
      reservationId: x.id,
      storeId: x.storeId,
      lines: x.lines,
      expiresAt: x.createdAt + PICKUP_WINDOW_MS,
    }),
  });
  // Signed in before anything is looked up: an anonymous caller learns nothing about which ids exist.
  r.use('/reservations', requireAuth);
  /** The hold, if the caller may see it; another store's hold is missing to it, exactly like an id that never was. */
  const visible = async (req: Request, id: string) => {
    const hold = await reservations.get(id);
    assertStoreAccess(req, hold.storeId, { entity: 'reservation', id });
    return hold;
  };
  r.get('/reservations/pickup-key', async (_req, res) => {
    res.json({ algorithm: 'Ed25519', publicKey: (await codes).publicKey, format: 'spki-der-base64url' });
  });
  r.post('/reservations', async (req, res) => {
    const body = parseOrThrow(newReservation, req.body, 'reservation');
    assertStoreAccess(req, body.storeId);
    const created = await reservations.reserve({
      ...body,
      ttlMs: body.ttlMinutes === undefined ? undefined : body.ttlMinutes * 60_000,
    });
    res.status(201).json(await withCode(created));
  });
  r.get('/reservations/:id', async (req, res) => {
    const { id } = parseOrThrow(idParam, req.params, 'reservation id');
    res.json(await withCode(await visible(req, id)));
  });
  for (const action of ['confirm', 'release'] as const) {
    r.post(`/reservations/:id/${action}`, async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'reservation id');
      await visible(req, id);
      res.json(await reservations[action](id));
    });
  }
  r.get('/stores/:storeId/reservations', async (req, res) => {
    const { storeId } = parseOrThrow(z.object({ storeId: uuidSchema }), req.params, 'store id');
    assertStoreAccess(req, storeId);
    const q = parseOrThrow(storeQuery, req.query, 'query');
    res.json({ items: await reservations.byStore(storeId, q.status, q.limit) });
  });
  return r;
}
