import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '@storefleet/shared';
import type { BopisService } from './bopis-service.js';
import type { LocalReservation } from './bopis-repository.js';

const idParam = z.object({ id: z.string().min(8).max(64) });

/**
 * The pickup desk's API (`pickup.html`): the list (open holds, then those just handed over), search by order number,
 * typed code or name, the QR and the typed code verified offline, hand-over and no-show.
 */
export function bopisRoutes(bopis: BopisService): Router {
  const r = Router();
  /** Holds as the desk shows them: each line with the product's name and category from the store's catalog copy. */
  const named = (holds: LocalReservation[]) => {
    const products = bopis.products(holds);
    return holds.map((h) => ({
      ...h,
      // the delivery's order number when this hold leaves by delivery: the desk labels it and offers no hand-over
      leavesByDelivery: bopis.leavesByDelivery(h.id) ?? null,
      lines: h.lines.map((l) => ({ ...l, name: products.get(l.sku)?.name, category: products.get(l.sku)?.category })),
    }));
  };
  r.get('/bopis/pickups', (req, res) => {
    const q = parseOrThrow(
      z.object({
        q: z.string().trim().min(1).max(100).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
      req.query,
      'query',
    );
    const found = q.q ? bopis.find(q.q, q.limit) : { items: bopis.due(q.limit), by: undefined };
    res.json({ items: named(found.items), ...(found.by ? { by: found.by } : {}), timeZone: bopis.timeZone() });
  });
  r.post('/bopis/pickups/verify', (req, res) => {
    const { code } = parseOrThrow(z.strictObject({ code: z.string().min(10).max(4096) }), req.body, 'pickup code');
    res.json(named([bopis.verify(code)])[0]);
  });
  // A wrong code is an answer (200, matched: false, tries left), not a refusal: it is counted against the hold.
  r.post('/bopis/pickups/:id/verify-code', (req, res) => {
    const { id } = parseOrThrow(idParam, req.params, 'reservation id');
    const { code } = parseOrThrow(z.strictObject({ code: z.string().min(1).max(40) }), req.body, 'typed code');
    const result = bopis.verifyTyped(id, code);
    res.json({ ...result, hold: named([result.hold])[0] });
  });
  r.post('/bopis/pickups/:id/hand-over', (req, res) => {
    res.json(named([bopis.handOver(parseOrThrow(idParam, req.params, 'reservation id').id)])[0]);
  });
  r.post('/bopis/pickups/:id/no-show', (req, res) => {
    res.json(named([bopis.noShow(parseOrThrow(idParam, req.params, 'reservation id').id)])[0]);
  });
  return r;
}
