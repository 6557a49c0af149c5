import { createHub, discoverModules, type Hub } from '@storefleet/central';
import { hlcEncode, type FulfilmentType } from '@storefleet/shared';
import { provide } from '../../../central/src/kernel/ports.js';
import { PAYMENTS_PROVIDER, SimulatedWarehouse, WAREHOUSE } from '../../../central/src/modules/orders/index.js';
import { against, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { benchTuning } from '../support/bench-tuning.js';
import {
  BENCH_PASSWORD,
  call,
  differing,
  headOffice,
  hubStock,
  importCatalog,
  signIn,
  storeCaller,
  type Caller,
} from '../support/hub-calls.js';
import { INSTANT, LatentPayments, REALISTIC, type PaymentLatency } from '../support/latent-payments.js';
import { percentile } from '../support/memory-store.js';
import { plainOrders } from '../support/plain-orders.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
/** Customers ordering at once, each through its own caller (BENCH_ORDER_CUSTOMERS). */
const CUSTOMERS = Number(process.env.BENCH_ORDER_CUSTOMERS ?? 64);
const STORES = 20;
const DCS = 2;
const SKUS = 50;
const STOCK = 100_000;
/**
 * Fulfilment types in turn, pickups most often. DELIVERY is left out: its orders need an address and a carrier that
 * can keep the promise (the delivery module, measured by its own benchmarks), not just a store.
 */
const MIX: readonly FulfilmentType[] = ['PICKUP', 'CURBSIDE', 'PICKUP', 'SHIP'];
const SAGA = '/orders';
const PLAIN = '/bench/plain-orders';
const ANCHOR = 'plain-saga-tx-per-step';

interface Customer {
  readonly id: string;
  readonly caller: Caller;
  /** A kiosk customer orders through their home store's token: fulfilled there, or shipped. */
  readonly home: string | null;
}

interface Answer {
  readonly id: string;
  readonly status: string;
  readonly failure?: string | null;
  readonly totalMinor: number;
  readonly fulfilment: { readonly locationId: string | null };
}

/** What one way of placing orders did over the run: answers, latencies, and what it should have held and charged. */
class Tally {
  readonly latencies: number[] = [];
  readonly reserved = new Map<string, Map<string, number>>();
  readonly charged: { id: string; total: number }[] = [];
  readonly failed: string[] = [];
  seconds = 0;

  add(a: Answer, lines: readonly { sku: string; qty: number }[], ms: number, latency: PaymentLatency): void {
    this.latencies.push(ms);
    if (a.status === 'FAILED') {
      // Only a payment the simulator never answered may fail an order here: stock is ample, nothing declines.
      if (!latency.timeoutRate || !a.failure?.startsWith('payment timed out'))
        throw new Error(`order ${a.id} failed: ${a.failure}`);
      this.failed.push(a.id);
      return;
    }
    if (a.status !== 'CONFIRMED') throw new Error(`order ${a.id} ended ${a.status}`);
    const at = this.reserved.get(a.fulfilment.locationId!) ?? new Map<string, number>();
    for (const l of lines) at.set(l.sku, (at.get(l.sku) ?? 0) + l.qty);
    this.reserved.set(a.fulfilment.locationId!, at);
    this.charged.push({ id: a.id, total: a.totalMinor });
  }

  get confirmed(): number {
    return this.charged.length;
  }
}

/** Customers place orders back to back through `path` for `seconds`, each its own caller. */
async function placeFor(
  url: string,
  path: string,
  customers: readonly Customer[],
  stores: readonly string[],
  seconds: number,
  tag: string,
  tally: Tally,
  latency: PaymentLatency,
): Promise<void> {
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    customers.map(async (c, k) => {
      for (let i = 0; performance.now() < end; i++) {
        const type = MIX[(k + i) % MIX.length]!;
        const count = 1 + ((k + i) % 3);
        const lines = Array.from({ length: count }, (_, j) => ({
          sku: `SF-${String(((k * 7 + i * 3 + j * 11) % SKUS) + 1).padStart(5, '0')}`,
          qty: 1 + ((i + j) % 2),
        }));
        const storeId = type === 'SHIP' ? null : (c.home ?? stores[(k + i) % stores.length]!);
        const t0 = performance.now();
        const a = await call<Answer>(url, 'POST', path, c.caller, {
          customerId: c.id,
          placeKey: `${tag}-${k}-${i}`,
          lines,
          fulfilment: { type, storeId },
        });
        tally.add(a, lines, performance.now() - t0, latency);
      }
    }),
  );
  tally.seconds += (performance.now() - started) / 1000;
}

async function setUp(hub: Hub) {
  const url = hub.url!;
  const admin = await headOffice(hub);
  await importCatalog(url, admin, SKUS);
  const register = (code: string, kind: 'STORE' | 'DC') =>
    call<{ location: { id: string }; credential: { storeId: string; secret: string } | null }>(
      url,
      'POST',
      '/locations',
      admin,
      { code, name: `Bench ${code}`, kind, lat: 40, lon: -74 },
    );
  const stores = [];
  for (let s = 0; s < STORES; s++) stores.push(await register(`OB${s}`, 'STORE'));
  const dcs = [];
  for (let d = 0; d < DCS; d++) dcs.push((await register(`OBDC${d}`, 'DC')).location.id);
  // The same stock for both: the hub's through the sync engine's apply (each location's receipts, as its node would
  // send them), the plain saga's in its own table.
  for (const loc of [...stores.map((s) => s.location.id), ...dcs]) {
    await hub.sync.repo.applyBatch(
      loc,
      Array.from({ length: SKUS }, (_, k) => ({
        origin: loc,
        seq: k + 1,
        hlc: hlcEncode({ wallMs: Date.now(), counter: k, node: loc }),
        type: 'stock.moved',
        payload: { sku: `SF-${String(k + 1).padStart(5, '0')}`, delta: STOCK, kind: 'RECEIVE' },
      })),
      0,
    );
    await hub.db.query(
      `INSERT INTO plain_stock (location_id, sku, on_hand, updated_at)
       SELECT $1, 'SF-' || lpad(g::text, 5, '0'), $2, 1 FROM generate_series(1, ${SKUS}) g`,
      [loc, STOCK],
    );
  }
  const customers: Customer[] = [];
  for (let c = 0; c < CUSTOMERS; c++) {
    const { id } = await call<{ id: string }>(url, 'POST', '/customers', admin, { name: `Customer ${c}` });
    if (c % 2 === 0) {
      // On the web or the app: customers have no sign-in of their own, so each comes through a session of its own
      // (a head-office service account per customer, signed in over HTTP).
      const email = `customer-${c}@example.test`;
      await call(url, 'POST', '/users', admin, { email, name: `Web ${c}`, role: 'ADMIN', password: BENCH_PASSWORD });
      customers.push({ id, caller: await signIn(url, email, BENCH_PASSWORD), home: null });
    } else {
      // At a kiosk of their home store: a token of that store's own, exchanged for its credential.
      const home = stores[c % STORES]!;
      customers.push({ id, caller: await storeCaller(url, home.credential!), home: home.location.id });
    }
  }
  return {
    admin,
    customers,
    stores: stores.map((s) => s.location.id),
    locations: [...stores.map((s) => s.location.id), ...dcs],
  };
}

/** Fails unless what each way holds and charged is exactly what its confirmed orders imply. */
async function check(
  hub: Hub,
  admin: Caller,
  locations: readonly string[],
  payments: LatentPayments,
  saga: Tally,
  plain: Tally,
) {
  // A timed-out authorisation is approved late; wait for every one, so an order that failed without voiding its
  // payment shows as charged below.
  await payments.settled();
  for (const [what, tally] of [
    ['saga', saga],
    ['plain', plain],
  ] as const) {
    for (const { id, total } of tally.charged)
      if (payments.charged(id) !== total)
        throw new Error(`${what} order ${id}: charged ${payments.charged(id)}, its total is ${total}`);
    for (const id of tally.failed)
      if (payments.charged(id) !== 0)
        throw new Error(`${what} order ${id} failed yet ${payments.charged(id)} is charged`);
  }
  for (const loc of locations) {
    const held = await hubStock(hub.url!, admin, loc, 'reserved');
    const off = differing(held, saga.reserved.get(loc) ?? new Map());
    if (off.length) throw new Error(`saga: location ${loc} holds other amounts than its orders on ${off.join(', ')}`);
    const { rows } = await hub.db.query<{ sku: string; reserved: string | number }>(
      'SELECT sku, reserved FROM plain_stock WHERE location_id = $1',
      [loc],
    );
    const plainHeld = new Map(rows.map((r) => [r.sku, Number(r.reserved)]));
    const plainOff = differing(plainHeld, plain.reserved.get(loc) ?? new Map());
    if (plainOff.length)
      throw new Error(`plain: location ${loc} holds other amounts than its orders on ${plainOff.join(', ')}`);
  }
}

/** Orders placed end to end over HTTP, against the same saga written the plain way, at two payment latencies. */
export const ordersBench: Benchmark = {
  name: 'orders',
  description: `orders placed end to end over HTTP by ${CUSTOMERS} customers, each its own caller (pickup, curbside, delivery at ${STORES} stores, ship from ${DCS} DCs), payments at 0 ms and 50–300 ms with 1 % timeouts; anchor: the plain saga`,
  async run() {
    const figures: Figure[] = [];
    for (const target of benchTargets) {
      await withDb(target, async (place) => {
        const payments = new LatentPayments();
        const warehouse = new SimulatedWarehouse();
        const hub = await createHub({
          port: 0,
          logLevel: 'silent',
          mode: 'test',
          ...place,
          modules: [...(await discoverModules()), plainOrders({ payments, warehouse })],
          externals: [provide(PAYMENTS_PROVIDER, payments), provide(WAREHOUSE, warehouse)],
          tuning: benchTuning(),
        });
        try {
          await hub.start();
          const db = hub.db.dialect;
          const { admin, customers, stores, locations } = await setUp(hub);
          const all = { saga: new Tally(), plain: new Tally() };
          for (const latency of [INSTANT, REALISTIC]) {
            payments.latency = latency;
            const saga = new Tally();
            const plain = new Tally();
            // Alternating halves, so a change in the machine's load falls on both alike.
            for (const half of [0, 1]) {
              const tag = `${latency.name}-${half}`;
              await placeFor(hub.url!, SAGA, customers, stores, SECONDS / 2, `saga-${tag}`, saga, latency);
              await placeFor(hub.url!, PLAIN, customers, stores, SECONDS / 2, `plain-${tag}`, plain, latency);
            }
            for (const [from, to] of [
              [saga, all.saga],
              [plain, all.plain],
            ] as const) {
              to.charged.push(...from.charged);
              to.failed.push(...from.failed);
              for (const [loc, skus] of from.reserved) {
                const at = to.reserved.get(loc) ?? new Map<string, number>();
                for (const [sku, q] of skus) at.set(sku, (at.get(sku) ?? 0) + q);
                to.reserved.set(loc, at);
              }
            }
            const perS = (t: Tally) => t.confirmed / t.seconds;
            const p95 = (t: Tally) => percentile(t.latencies, 95);
            console.error(
              `  ${db}, payments ${latency.name}: saga ${saga.confirmed} confirmed (${saga.failed.length} timed out) at ${perS(saga).toFixed(0)}/s, p95 ${p95(saga).toFixed(0)} ms; ` +
                `plain ${plain.confirmed} (${plain.failed.length}) at ${perS(plain).toFixed(0)}/s, p95 ${p95(plain).toFixed(0)} ms`,
            );
            const n = saga.latencies.length;
            figures.push(
              against(
                {
                  bench: 'orders',
                  metric: `orders_per_s_payment_${latency.name}`,
                  value: perS(saga),
                  unit: '1/s',
                  db,
                  n,
                },
                `${ANCHOR}-orders-per-s`,
                perS(plain),
              ),
              against(
                { bench: 'orders', metric: `p95_ms_payment_${latency.name}`, value: p95(saga), unit: 'ms', db, n },
                `${ANCHOR}-p95-ms`,
                p95(plain),
                false,
              ),
            );
            if (latency.timeoutRate)
              figures.push({
                bench: 'orders',
                metric: `payment_timeouts_${latency.name}`,
                value: saga.failed.length,
                unit: 'orders',
                db,
                n,
              });
          }
          await check(hub, admin, locations, payments, all.saga, all.plain);
          console.error(
            `  ${db}: every confirmed order is held and charged exactly, every timed-out one released and uncharged (${payments.timeouts} timed out; the provider approved ${payments.lateApprovals} of them late, and they were voided)`,
          );
        } finally {
          await hub.stop();
        }
      });
    }
    return figures;
  },
};
