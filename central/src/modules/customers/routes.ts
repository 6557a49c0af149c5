import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError, parseOrThrow, uuidSchema } from '@storefleet/shared';
import { requireAuth } from '../../http/access.js';
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
 */
export function customerRoutes(repo: () => CustomerRepository, now: () => number): Router {
  const r = Router();
  r.use('/customers', requireAuth);
  r.post('/customers', async (req, res) => {
    res.status(201).json(await repo().create(parseOrThrow(createBody, req.body, 'customer'), now()));
  });
  r.get('/customers', async (req, res) => {
    const q = parseOrThrow(z.object({ email: email.optional(), name: z.string().trim().min(1).max(100).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }), req.query, 'query');
    res.json({ items: await repo().find(q) });
  });
  r.get('/customers/:id', async (req, res) => {
    const { id } = parseOrThrow(idParam, req.params, 'customer id');
    const c = await repo().get(id);
    if (!c) throw new NotFoundError('customer', id);
    res.json(c);
  });
  r.patch('/customers/:id', async (req, res) => {
    const { id } = parseOrThrow(idParam, req.params, 'customer id');
    const c = await repo().update(id, parseOrThrow(patchBody, req.body, 'customer'), now());
    if (!c) throw new NotFoundError('customer', id);
    res.json(c);
  });
  return r;
}
