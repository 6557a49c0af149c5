import { Router, type Request } from 'express';
import { z } from 'zod';
import { NotFoundError, parseOrThrow, uuidSchema } from '@storefleet/shared';
import { isHeadOffice, principalOf, requireAuth, requireRole, storeOf } from '../../http/access.js';
import type { CustomerRepository } from './repository.js';

const email = z.string().trim().toLowerCase().email().max(200);
const fields = {
  name: z.string().trim().min(1).max(200),
  email: email.nullable(),
  phone: z.string().trim().regex(/^\+?[0-9 ()-]{5,30}$/, 'must be a phone number').nullable(),
  preferredStoreId: uuidSchema.nullable(),
};
const createBody = z.strictObject({ ...fields, email: fields.email.optional(), phone: fields.phone.optional(), preferredStoreId: fields.preferredStoreId.optional() });
const patchBody = createBody.partial().refine((b) => Object.keys(b).length > 0, 'nothing to change');
const idParam = z.object({ id: uuidSchema });

/**
 * Customer profiles, for the web and app backends (a service account), store lanes and kiosks (store tokens) and
 * the console. Customers do not sign in themselves yet.
 *
 * Head office (ADMIN) searches, reads and edits every customer. A store (its token or a user of the store) never
 * searches; it reads and edits only the customers linked to it (signed up there, an order placed or fulfilled
 * there, their cart worked on there); any other customer is missing to it, exactly like an id that does not exist.
 */
export function customerRoutes(repo: () => CustomerRepository, now: () => number): Router {
  const r = Router();
  r.use('/customers', requireAuth);
  const assertVisible = async (req: Request, id: string) => {
    const p = principalOf(req);
    if (isHeadOffice(p)) return;
    const store = storeOf(p);
    if (!store || !(await repo().isLinked(id, store))) throw new NotFoundError('customer', id);
  };
  r.post('/customers', async (req, res) => {
    const p = principalOf(req);
    // A sign-up at a lane: the store that signs the customer up may see them from now on.
    res.status(201).json(await repo().create(parseOrThrow(createBody, req.body, 'customer'), now(), storeOf(p)));
  });
  r.get('/customers', requireRole('ADMIN'), async (req, res) => {
    const q = parseOrThrow(z.object({ email: email.optional(), name: z.string().trim().min(1).max(100).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }), req.query, 'query');
    res.json({ items: await repo().find(q) });
  });
  r.get('/customers/:id', async (req, res) => {
    const { id } = parseOrThrow(idParam, req.params, 'customer id');
    await assertVisible(req, id);
    const c = await repo().get(id);
    if (!c) throw new NotFoundError('customer', id);
    res.json(c);
  });
  r.patch('/customers/:id', async (req, res) => {
    const { id } = parseOrThrow(idParam, req.params, 'customer id');
    await assertVisible(req, id);
    const c = await repo().update(id, parseOrThrow(patchBody, req.body, 'customer'), now());
    if (!c) throw new NotFoundError('customer', id);
    res.json(c);
  });
  return r;
}
