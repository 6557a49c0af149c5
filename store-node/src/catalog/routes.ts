import { Router } from 'express';
import { z } from 'zod';
import { AppError, NotFoundError, parseOrThrow, skuSchema, type CatalogProduct } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { HubGet } from '../hub-link/hub-get.js';

/** A product as the store's pages see it: the catalog's fields and this store's on-hand count (0 if never stocked). */
export type StoreProduct = Omit<CatalogProduct, 'updatedAt' | 'version'> & { readonly onHand: number };

const search = z.object({
  q: z.string().trim().max(100).optional(),
  category: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(24),
});

/**
 * Product search and stock for the store's own pages (kiosk, POS look-up, handheld), from the store's copy of the
 * catalog, so it works offline; stock at nearby stores asks the hub and says so when it cannot.
 */
export function catalogRoutes(db: SqliteDb, storeId: string | null, hubGet: HubGet | undefined): Router {
  const r = Router();
  const find = db.prepare(
    `SELECT p.sku, p.gtin, p.name, p.brand, p.size, p.category, p.price_minor AS priceMinor, p.currency, p.tax_class AS taxClass,
            coalesce(s.on_hand, 0) AS onHand
     FROM catalog_products p LEFT JOIN stock s ON s.sku = p.sku
     WHERE (@q IS NULL OR p.name LIKE '%' || @q || '%' ESCAPE '\\' OR p.brand LIKE '%' || @q || '%' ESCAPE '\\' OR p.sku = @exact OR p.gtin = @exact)
       AND (@category IS NULL OR p.category = @category)
     ORDER BY p.name LIMIT @limit`,
  );
  const one = db.prepare(
    `SELECT p.sku, p.gtin, p.name, p.brand, p.size, p.category, p.price_minor AS priceMinor, p.currency, p.tax_class AS taxClass,
            coalesce(s.on_hand, 0) AS onHand
     FROM catalog_products p LEFT JOIN stock s ON s.sku = p.sku WHERE p.sku = ?`,
  );
  r.get('/catalog/products', (req, res) => {
    const q = parseOrThrow(search, req.query, 'query');
    const text = q.q || null;
    res.json({ items: find.all({ q: text?.replace(/[%_\\]/g, '\\$&') ?? null, exact: text, category: q.category || null, limit: q.limit }) as StoreProduct[] });
  });
  r.get('/catalog/products/:sku', (req, res) => {
    const { sku } = parseOrThrow(z.object({ sku: skuSchema }), req.params, 'sku');
    const p = one.get(sku) as StoreProduct | undefined;
    if (!p) throw new NotFoundError('product', sku);
    res.json(p);
  });
  let here: { lat: number; lon: number } | undefined;
  r.get('/catalog/products/:sku/nearby', async (req, res) => {
    const { sku } = parseOrThrow(z.object({ sku: skuSchema }), req.params, 'sku');
    if (!hubGet || !storeId) throw new AppError('unavailable', 'this store is not linked to a hub, so stock at other stores is unknown');
    try {
      here ??= (await hubGet(`/api/locations/${storeId}`)) as { lat: number; lon: number };
      const { items } = (await hubGet(`/api/inventory/nearby?sku=${encodeURIComponent(sku)}&lat=${here.lat}&lon=${here.lon}&radiusKm=50&limit=10`)) as { items: { storeId: string }[] };
      res.json({ items: items.filter((i) => i.storeId !== storeId) });
    } catch (err) {
      throw new AppError('unavailable', `stock at other stores needs the hub, which did not answer: ${(err as Error).message}`);
    }
  });
  return r;
}
