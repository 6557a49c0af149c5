import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '@storefleet/shared';
import type { DeliveryService } from './delivery-service.js';
import { storeApiDoc } from '../api-doc.js';

const idParam = z.object({
  id: z.string().regex(/^[\w-]{1,64}$/, { message: 'a delivery id is 1–64 letters, digits, - or _' }),
});
/** A line break or tab is text; other control characters (escape, delete, …) are not: a name on the desk's record. */
const plainText = (s: string) =>
  ![...s].some((ch) => {
    const c = ch.codePointAt(0)!;
    return (c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127;
  });

const deskQuery = z.object({
  q: z.string().trim().min(1).max(40).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const handOverBody = z.strictObject({
  driverName: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .refine(plainText, { message: 'must not hold control characters' })
    .optional(),
});
const desk = { audience: 'staff', screen: 'pickup', tag: 'Delivery desk' } as const;
const BAG =
  'the delivery as the desk shows it: its order, carrier and driver, its lines with names, units, and why “Handed to driver” is refused now (null when offered)';

/**
 * The delivery desk's API (`delivery.html`): today's bags grouped by who collects them, search by order number, one
 * bag, and "Handed to driver" (offline too; retried with the same Idempotency-Key it answers the first result).
 */
export function deliveryRoutes(delivery: DeliveryService): Router {
  const r = Router();
  r.get(
    '/delivery',
    storeApiDoc({
      ...desk,
      summary: 'Today’s delivery bags by who collects them, or a search by order number',
      description: '`q` is an order number (`SF-10482`, `sf 10482` or its digits), any day; other text is 400.',
      query: deskQuery,
      responses: {
        200: '{ day, timeZone, groups } for today; { q, timeZone, groups } for a search: each group a collector and its deliveries',
      },
    }),
    (req, res) => {
      const q = parseOrThrow(deskQuery, req.query, 'query');
      res.json(q.q ? { q: q.q, ...delivery.find(q.q, q.limit) } : delivery.today());
    },
  );
  r.get(
    '/delivery/:id',
    storeApiDoc({ ...desk, summary: 'One delivery at the desk', params: idParam, responses: { 200: BAG } }),
    (req, res) => {
      res.json(delivery.get(parseOrThrow(idParam, req.params, 'delivery id').id));
    },
  );
  r.post(
    '/delivery/:id/hand-to-driver',
    storeApiDoc({
      ...desk,
      summary: 'Hand a delivery to its driver',
      description:
        'Offline too: the order’s hold is handed over here (its goods leave this store’s stock) and the event queued for the hub. 409 with a sentence when the delivery is cancelled, unassigned, has no driver yet or has left already. `driverName` is the driver as the associate checked them (the assigned one’s when left out). Retried with the same Idempotency-Key it answers the first result.',
      params: idParam,
      body: handOverBody,
      responses: { 200: BAG },
    }),
    (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'delivery id');
      const body = parseOrThrow(handOverBody, req.body ?? {}, 'hand-over');
      res.json(delivery.handToDriver(id, body.driverName));
    },
  );
  return r;
}
