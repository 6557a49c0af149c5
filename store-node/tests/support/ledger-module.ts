import { Router } from 'express';
import type { HubModule } from '@storefleet/central';

/**
 * A hub module used only by sync tests: applies `test.sale` events to a ledger (one row per event, which a double
 * apply would violate) and a running total (which a double apply would inflate), and fails on `test.poison`.
 */
export const ledgerModule: HubModule = {
  name: 'test_ledger',
  migrations: new URL('./ledger-schema/', import.meta.url),
  docAccess: {
    // every store and admins may edit `shared:*`; `tasks:<storeId>` belongs to that store (and admins)
    shared: (p) => (p.kind === 'store' || (p.kind === 'user' && p.role === 'ADMIN') ? 'write' : 'none'),
    tasks: (p, key) =>
      (p.kind === 'store' && p.storeId === key) || (p.kind === 'user' && p.role === 'ADMIN') ? 'write' : 'none',
  },
  routes: (ctx) =>
    Router().get('/test-ledger/:storeId', async (req, res) => {
      const { rows } = await ctx.db.query<{ count: number; total: number | null; max: number | null }>(
        `SELECT count(*)::int AS count, (SELECT qty FROM test_totals WHERE origin = $1) AS total, max(seq) AS max FROM test_ledger WHERE origin = $1`,
        [req.params.storeId],
      );
      res.json({ count: rows[0]!.count, total: Number(rows[0]!.total ?? 0), maxSeq: Number(rows[0]!.max ?? 0) });
    }),
  eventHandlers: () => ({
    'test.sale': async (tx, events) => {
      await tx.query(
        `INSERT INTO test_ledger (origin, seq, hlc, qty)
         SELECT $1, s, h, q FROM unnest($2::bigint[], $3::text[], $4::int[]) AS x(s, h, q)`,
        [
          events[0]!.origin,
          events.map((e) => e.seq),
          events.map((e) => e.hlc),
          events.map((e) => (e.payload as { qty: number }).qty),
        ],
      );
      const sum = events.reduce((n, e) => n + (e.payload as { qty: number }).qty, 0);
      await tx.query(
        `INSERT INTO test_totals (origin, qty) VALUES ($1, $2) ON CONFLICT (origin) DO UPDATE SET qty = test_totals.qty + $2`,
        [events[0]!.origin, sum],
      );
    },
    'test.poison': async () => {
      throw new Error('poisoned payload');
    },
  }),
};
