import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStoreNode } from '@storefleet/store-node';
import { ProductSearch } from '../../../store-node/src/catalog/product-search.js';
import { loadRealCatalog, realProducts } from '../../../store-node/tests/support/real-catalog.js';
import { against, type Benchmark } from '../figure.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

/**
 * Kiosk and till search over the 6,561 real products (Datakick, CC0), as typed: every prefix of 3+ letters of the
 * first word of 200 real names, plus a few whole words. Anchor: the LIKE scan the node used before FTS5 (name or brand
 * containing the text, an exact sku or GTIN, ordered by name), same queries, same database, same run.
 */
export const productSearchBench: Benchmark = {
  name: 'product-search',
  description: 'ranked product search (SQLite FTS5, bm25) vs the LIKE scan it replaced, over 6,561 real products',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'sf-searchb-'));
    try {
      const node = createStoreNode({ dbPath: join(dir, 'store.sqlite'), logLevel: 'silent' });
      const products = realProducts();
      loadRealCatalog(node.db, products);
      const queries: string[] = ['cola', 'chocolate', 'dark chocolate', 'coffee', 'milk', 'jalapeno'];
      for (const p of products.filter((_, i) => i % 33 === 0).slice(0, 200)) {
        const word = p.name.split(/\s+/)[0]!;
        for (let n = 3; n <= word.length; n++) queries.push(word.slice(0, n));
      }
      const fts = new ProductSearch(node.db);
      const like = node.db.prepare(
        `SELECT p.*, coalesce(s.on_hand, 0) AS onHand FROM catalog_products p LEFT JOIN stock s ON s.sku = p.sku
         WHERE (p.name LIKE '%' || @q || '%' ESCAPE '\\' OR p.brand LIKE '%' || @q || '%' ESCAPE '\\' OR p.sku = @q OR p.gtin = @q)
         ORDER BY p.name LIMIT 24`,
      );
      const perSecond = (one: (q: string) => unknown) => {
        let n = 0;
        const end = performance.now() + SECONDS * 1000;
        while (performance.now() < end) one(queries[n++ % queries.length]!);
        return { n, perS: n / SECONDS };
      };
      const old = perSecond((q) => like.all({ q: q.replace(/[%_\\]/g, '\\$&') }));
      const ranked = perSecond((q) => fts.search(q, null, 24));
      await node.stop();
      return [
        against(
          {
            bench: 'product-search',
            metric: 'searches_per_s',
            value: ranked.perS,
            unit: 'searches/s',
            db: 'sqlite',
            n: ranked.n,
          },
          'like-scan-same-queries',
          old.perS,
        ),
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
