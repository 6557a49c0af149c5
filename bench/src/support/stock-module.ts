import { Router, json } from 'express';
import type { HubModule } from '@storefleet/central';

/**
 * What the sync benchmarks apply: `sale` events decrement an on-hand counter per sku, aggregated per batch as an
 * inventory module would. It also serves the anchor, `POST /api/bench/event`, one HTTP request per event doing the
 * same work (dedupe insert + counter update) in its own transaction.
 */
export const stockModule: HubModule = {
  name: 'bench_stock',
  migrations: new URL('./stock-schema/', import.meta.url),
  eventHandlers: () => ({
    sale: async (tx, events) => {
      const bySku = new Map<string, number>();
      for (const e of events) {
        const { sku, qty } = e.payload as { sku: string; qty: number };
        bySku.set(sku, (bySku.get(sku) ?? 0) + qty);
      }
      await tx.query(
        `INSERT INTO bench_stock (store_id, sku, on_hand) SELECT $1, s, -q FROM unnest($2::text[], $3::bigint[]) AS x(s, q)
         ON CONFLICT (store_id, sku) DO UPDATE SET on_hand = bench_stock.on_hand + EXCLUDED.on_hand`,
        [events[0]!.origin, [...bySku.keys()], [...bySku.values()]],
      );
    },
  }),
  routes: (ctx) =>
    Router().post('/bench/event', json(), async (req, res) => {
      const { origin, seq, sku, qty } = req.body as { origin: string; seq: number; sku: string; qty: number };
      await ctx.db.transaction(async (tx) => {
        const ins = await tx.query(
          'INSERT INTO bench_http_events (origin, seq, payload) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
          [origin, seq, JSON.stringify({ sku, qty })],
        );
        if (ins.rowCount === 1) {
          await tx.query(
            `INSERT INTO bench_stock (store_id, sku, on_hand) VALUES ($1, $2, $3)
             ON CONFLICT (store_id, sku) DO UPDATE SET on_hand = bench_stock.on_hand + EXCLUDED.on_hand`,
            [origin, sku, -qty],
          );
        }
      });
      res.status(204).end();
    }),
};
