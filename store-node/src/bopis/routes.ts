import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '@storefleet/shared';
import type { BopisService } from './bopis-service.js';
import type { LocalReservation } from './bopis-repository.js';
import { storeApiDoc } from '../api-doc.js';

const idParam = z.object({ id: z.string().min(8).max(64) });
const listQuery = z.object({
  q: z.string().trim().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const qrBody = z.strictObject({ code: z.string().min(10).max(4096) });
const typedBody = z.strictObject({ code: z.string().min(1).max(40) });
const desk = { audience: 'staff', screen: 'pickup', tag: 'Pickup desk' } as const;
const HOLD =
  'the hold: order number, customer, state, its lines with product names and categories, and the delivery’s order number when it leaves by delivery';

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
  r.get(
    '/bopis/pickups',
    storeApiDoc({
      ...desk,
      summary: 'Holds to collect, or a search',
      description:
        'Without `q`: open holds, then those just handed over. With `q`: by order number, typed pickup code or name (`by` says which matched).',
      query: listQuery,
      responses: { 200: `{ items, by?, timeZone }: each ${HOLD}` },
    }),
    (req, res) => {
      const q = parseOrThrow(listQuery, req.query, 'query');
      const found = q.q ? bopis.find(q.q, q.limit) : { items: bopis.due(q.limit), by: undefined };
      res.json({ items: named(found.items), ...(found.by ? { by: found.by } : {}), timeZone: bopis.timeZone() });
    },
  );
  r.post(
    '/bopis/pickups/verify',
    storeApiDoc({
      ...desk,
      summary: 'Verify a customer’s pickup QR code',
      description:
        'Offline: the hub’s signature checked with the cached key; a code that is not good is refused saying why.',
      body: qrBody,
      responses: { 200: HOLD },
    }),
    (req, res) => {
      const { code } = parseOrThrow(qrBody, req.body, 'pickup code');
      res.json(named([bopis.verify(code)])[0]);
    },
  );
  // A wrong code is an answer (200, matched: false, tries left), not a refusal: it is counted against the hold.
  r.post(
    '/bopis/pickups/:id/verify-code',
    storeApiDoc({
      ...desk,
      summary: 'Verify a typed pickup code',
      description:
        'Checked offline against the hold’s keyed hash. A wrong code is an answer (200, `matched: false`, the tries left), not a refusal: it counts against the hold, and after too many typed entry locks (409: scan the QR).',
      params: idParam,
      body: typedBody,
      responses: { 200: `{ matched, triesLeft, hold }: ${HOLD}` },
    }),
    (req, res) => {
      const { id } = parseOrThrow(idParam, req.params, 'reservation id');
      const { code } = parseOrThrow(typedBody, req.body, 'typed code');
      const result = bopis.verifyTyped(id, code);
      res.json({ ...result, hold: named([result.hold])[0] });
    },
  );
  r.post(
    '/bopis/pickups/:id/hand-over',
    storeApiDoc({
      ...desk,
      summary: 'Hand a hold over to its customer',
      description:
        'Its goods leave this store’s stock and the hub is told, offline too; a hold that leaves by delivery is 409 (its goods go to the driver at the delivery desk).',
      params: idParam,
      responses: { 200: HOLD },
    }),
    (req, res) => {
      res.json(named([bopis.handOver(parseOrThrow(idParam, req.params, 'reservation id').id)])[0]);
    },
  );
  r.post(
    '/bopis/pickups/:id/no-show',
    storeApiDoc({
      ...desk,
      summary: 'Mark a hold as not collected',
      description:
        'The hold ends here and the hub is told; a hold that leaves by delivery is 409 (its goods go to the driver at the delivery desk).',
      params: idParam,
      responses: { 200: HOLD },
    }),
    (req, res) => {
      res.json(named([bopis.noShow(parseOrThrow(idParam, req.params, 'reservation id').id)])[0]);
    },
  );
  return r;
}
