import pg from 'pg';
import { createHub, discoverModules, type Hub } from '@storefleet/central';
import { uuidv7 } from '@storefleet/shared';
import { against, round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { benchTuning } from '../support/bench-tuning.js';
import { percentile } from '../support/memory-store.js';

const CLIENTS = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const STORES = 100;
const SKUS = 1000;

interface Reserver {
  reserve(input: { storeId: string; customerRef: string; lines: { sku: string; qty: number }[] }): Promise<unknown>;
}

/** CLIENTS callers in a loop for SECONDS: granted holds per second and p95 latency of every call. */
async function load(
  pick: () => { storeId: string; sku: string },
  call: (k: { storeId: string; sku: string }) => Promise<boolean>,
) {
  const latencies: number[] = [];
  let granted = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        if (await call(pick())) granted++;
        latencies.push(performance.now() - started);
      }
    }),
  );
  return { perS: granted / SECONDS, p95: percentile(latencies, 95), n: latencies.length };
}

/** The seed design: per request, lock the row with SELECT … FOR UPDATE, check, UPDATE, insert the reservation. */
function seedApproach(pool: pg.Pool) {
  return async (k: { storeId: string; sku: string }): Promise<boolean> => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const { rows } = await c.query(
        'SELECT on_hand, reserved, safety FROM inventory_stock WHERE store_id = $1 AND sku = $2 FOR UPDATE',
        [k.storeId, k.sku],
      );
      const r = rows[0] as { on_hand: string; reserved: string; safety: string } | undefined;
      const ok = !!r && Number(r.on_hand) - Number(r.reserved) - Number(r.safety) >= 1;
      if (ok) {
        await c.query('UPDATE inventory_stock SET reserved = reserved + 1 WHERE store_id = $1 AND sku = $2', [
          k.storeId,
          k.sku,
        ]);
        await c.query(
          `INSERT INTO reservations (id, store_id, customer_ref, status, lines, expires_at, created_at, updated_at) VALUES ($1, $2, 'bench', 'HELD', $3, $4, $5, $5)`,
          [uuidv7(), k.storeId, JSON.stringify([{ sku: k.sku, qty: 1 }]), Date.now() + 900_000, Date.now()],
        );
      }
      await c.query('COMMIT');
      return ok;
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    } finally {
      c.release();
    }
  };
}

async function oversold(hub: Hub): Promise<number> {
  const { rows } = await hub.db.query<{ n: number | null }>(
    'SELECT sum(GREATEST(reserved - (on_hand - safety), 0))::bigint AS n FROM inventory_stock',
  );
  return Number(rows[0]!.n ?? 0);
}

export const reserveBench: Benchmark = {
  name: 'reserve',
  description: `holds/s with ${CLIENTS} concurrent callers: spread (${STORES} stores × ${SKUS} skus) and hot (one sku at one store)`,
  async run() {
    const target = benchTargets[0]!;
    return withDb(target, async (place) => {
      const hub = await createHub({
        port: 0,
        logLevel: 'silent',
        mode: 'test',
        poolSize: CLIENTS,
        ...place,
        modules: await discoverModules(),
        tuning: benchTuning(),
      });
      const figures: Figure[] = [];
      const pool = place.databaseUrl ? new pg.Pool({ connectionString: place.databaseUrl, max: CLIENTS }) : undefined;
      try {
        await hub.start();
        const storeIds = Array.from({ length: STORES }, () => uuidv7());
        await hub.db.query(
          `INSERT INTO locations (id, code, name, kind, lat, lon, created_at, updated_at)
           SELECT id, 'R' || n, 'Bench ' || n, 'STORE', 40, -74, 0, 0 FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, n)`,
          [storeIds],
        );
        await hub.db.query(
          `INSERT INTO inventory_stock (store_id, sku, on_hand, updated_at)
           SELECT s, 'SKU-' || g, 1000000, 0 FROM unnest($1::uuid[]) AS s, generate_series(1, ${SKUS}) g`,
          [storeIds],
        );
        const reservations = await reserverOf(hub);
        const ours = (k: { storeId: string; sku: string }) =>
          reservations.reserve({ storeId: k.storeId, customerRef: 'bench', lines: [{ sku: k.sku, qty: 1 }] }).then(
            () => true,
            () => false,
          );
        const spread = () => ({
          storeId: storeIds[Math.floor(Math.random() * STORES)]!,
          sku: `SKU-${1 + Math.floor(Math.random() * SKUS)}`,
        });
        const hot = () => ({ storeId: storeIds[0]!, sku: 'SKU-1' });
        const db = hub.db.dialect;
        for (const [scenario, pick] of [
          ['spread', spread],
          ['hot', hot],
        ] as const) {
          const anchor = pool ? await load(pick, seedApproach(pool)) : undefined;
          const mine = await load(pick, ours);
          const base = {
            bench: 'reserve',
            metric: `holds_per_s_${scenario}`,
            value: mine.perS,
            unit: '1/s',
            db,
            n: mine.n,
          };
          figures.push(
            anchor ? against(base, 'select-for-update-then-update', anchor.perS) : { ...base, value: round(mine.perS) },
          );
          figures.push({
            bench: 'reserve',
            metric: `p95_ms_${scenario}`,
            value: round(mine.p95, 1),
            unit: 'ms',
            db,
            n: mine.n,
          });
          console.error(
            `  ${scenario}: ${mine.perS.toFixed(0)} holds/s (p95 ${mine.p95.toFixed(1)} ms)${anchor ? `; seed approach ${anchor.perS.toFixed(0)}/s (p95 ${anchor.p95.toFixed(1)} ms)` : ''}`,
          );
        }
        figures.push({
          bench: 'reserve',
          metric: 'oversold_units',
          value: await oversold(hub),
          unit: 'units',
          db,
          n: STORES * SKUS,
        });
        return figures;
      } finally {
        await pool?.end();
        await hub.stop();
      }
    });
  },
};

/** The hub's own reservation service, as its routes use it (the module's service over the hub's context). */
async function reserverOf(hub: Hub): Promise<Reserver> {
  const { ReservationService } = await import('../../../central/src/modules/reservations/service.js');
  const { provided } = await import('../../../central/src/kernel/ports.js');
  const { INVENTORY_HOLDS } = await import('../../../central/src/kernel/ports/inventory.js');
  const holds = provided(hub.modules.find((m) => m.name === 'inventory')!.provides!({} as never), INVENTORY_HOLDS)!;
  return new ReservationService(hub.db, holds, hub.sync.feed, Date.now);
}
