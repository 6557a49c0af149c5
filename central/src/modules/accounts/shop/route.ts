import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { apiDoc } from '@storefleet/shared';

/** The shop page's browser files (plain ES modules, no build step). */
export const SHOP_DIR = fileURLToPath(new URL('./static/', import.meta.url));

/**
 * What the page may load and call: its own files, `/shared/` helpers, `POST /graphql` and the graphql-ws socket on the
 * same host. Nothing from elsewhere, so a customer's session never meets another site's script.
 */
const SHOP_CSP = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The customers' shop page at `/shop/` (issue #26), served at the hub's root by the accounts module. Its files are
 * public (they hold no data); everything the page shows it asks `/graphql` for, as the signed-in customer, the guest,
 * or nobody.
 */
export function shopRoutes(): Router {
  const r = Router();
  r.use((_req, res, next) => {
    res.set('Content-Security-Policy', SHOP_CSP).set('X-Content-Type-Options', 'nosniff');
    next();
  });
  r.get(
    '/',
    apiDoc({
      summary: 'The customers’ shop page (its files hold no data; it calls /graphql)',
      tags: ['accounts'],
      access: ['public'],
      responses: { 200: 'text/html' },
    }),
    (_req, res) => res.type('html').sendFile('index.html', { root: SHOP_DIR, maxAge: 0 }),
  );
  r.use(express.static(SHOP_DIR, { index: false, fallthrough: true }));
  return r;
}
