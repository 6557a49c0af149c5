import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow, quantitySchema, skuSchema, uuidSchema } from '@storefleet/shared';
import { assertStoreAccess } from '../../http/access.js';
import type { ReservationService } from './service.js';
import { RESERVATION_STATUSES } from './types.js';

const newReservation = z.strictObject({
  storeId: uuidSchema,
  customerRef: z.string().trim().min(1).max(200),
  lines: z.array(z.strictObject({ sku: skuSchema, qty: quantitySchema })).min(1).max(50),
  ttlMinutes: z.number().int().min(1).max(24 * 60).optional(),
});
const idParam = z.object({ id: uuidSchema });
const storeQuery = z.object({ status: z.enum(RESERVATION_STATUSES).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) });

export function reservationRoutes(reservations: ReservationService): Router {
  const r = Router();
  r.post('/reservations', async (req, res) => {
    const body = parseOrThrow(newReservation, req.body, 'reservation');
    assertStoreAccess(req, body.storeId);
    const created = await reservations.reserve({ ...body, ttlMs: body.ttlMinutes === undefined ? undefined : body.ttlMinutes * 60_000 });
    res.status(201).json(created);
  });
  r.get('/reservations/:id', async (req, res) => {
    const { id } = parseOrThrow(idParam, req.params, 'reservation id');
    res.json(await reservations.forStore(id, (storeId) => assertStoreAccess(req, storeId)));
  });
  for (const action of ['confirm', 'release'] as const) {
    r.post(`/reservations/:id/${action}`, async (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'reservation id');
      await reservations.forStore(id, (storeId) => assertStoreAccess(req, storeId));
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
