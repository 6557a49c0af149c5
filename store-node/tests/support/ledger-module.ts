import type { HubModule } from '@storefleet/central';

/**
 * A hub module used only by sync tests: applies `test.sale` events to a ledger (one row per event, which a double
 * apply would violate) and a running total (which a double apply would inflate), and fails on `test.poison`.
 */
export const ledgerModule: HubModule = {
  name: 'test_ledger',
  migrations: new URL('./ledger-schema/', import.meta.url),
  eventHandlers: () => ({
    'test.sale': async (tx, events) => {
      await tx.query(
        `INSERT INTO test_ledger (origin, seq, hlc, qty)
         SELECT $1, s, h, q FROM unnest($2::bigint[], $3::text[], $4::int[]) AS x(s, h, q)`,
        [events[0]!.origin, events.map((e) => e.seq), events.map((e) => e.hlc), events.map((e) => (e.payload as { qty: number }).qty)],
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
