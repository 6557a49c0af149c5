import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '@storefleet/shared';
import type { DeliveryService } from './delivery-service.js';

const idParam = z.object({
  id: z.string().regex(/^[\w-]{1,64}$/, { message: 'a delivery id is 1–64 letters, digits, - or _' }),
});
/** A line break or tab is text; other control characters (escape, delete, …) are not: a name on the desk's record. */
const plainText = (s: string) =>
  ![...s].some((ch) => {
    const c = ch.codePointAt(0)!;
    return (c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127;
  });

/**
 * The delivery desk's API (`delivery.html`): today's bags grouped by who collects them, search by order number, one
 * bag, and "Handed to driver" (offline too; retried with the same Idempotency-Key it answers the first result).
 */
export function deliveryRoutes(delivery: DeliveryService): Router {
  const r = Router();
  r.get('/delivery', (req, res) => {
    const q = parseOrThrow(
      z.object({
        q: z.string().trim().min(1).max(40).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
      req.query,
      'query',
    );
    res.json(q.q ? { q: q.q, ...delivery.find(q.q, q.limit) } : delivery.today());
  });
  r.get('/delivery/:id', (req, res) => {
    res.json(delivery.get(parseOrThrow(idParam, req.params, 'delivery id').id));
  });
  r.post('/delivery/:id/hand-to-driver', (req, res) => {
    const { id } = parseOrThrow(idParam, req.params, 'delivery id');
    const body = parseOrThrow(
      z.strictObject({
        driverName: z
          .string()
          .trim()
          .min(1)
          .max(100)
          .refine(plainText, { message: 'must not hold control characters' })
          .optional(),
      }),
      req.body ?? {},
      'hand-over',
    );
    res.json(delivery.handToDriver(id, body.driverName));
  });
  return r;
}
