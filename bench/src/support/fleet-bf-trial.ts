// One run of the fleet trial (bench fleet-black-friday): hub replicas as child processes on the trial's own Postgres,
// thousands of simulated stores syncing to them, online holds and orders over HTTP, a 10× spike in the middle third,
// and (in the faulted trial) stores dropping offline, a replica SIGKILLed and Postgres restarted during the spike.
// Every loop is bounded in count and time; everything started here is stopped in `finally`.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '@storefleet/devices';
import { SyncClient, type SyncLogger } from '@storefleet/sync';
import pg from 'pg';
import { Child } from '../../../store-node/tests/support/child.js';
import { freePort, until } from './fleet.js';
import { busyStores, makePlan, type TrialPlan } from './fleet-bf-plan.js';
import type { TrialPostgres } from './fleet-bf-pg.js';
import { FailoverConnector, TrialStore } from './fleet-bf-store.js';
import { HubApi } from './hub-http-caller.js';
import { percentile } from './memory-store.js';

const RUNNER = new URL('./fleet-bf-hub.ts', import.meta.url);
const quiet: SyncLogger = { info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.error(`  fleet-black-friday: ${line}`);

export interface TrialOptions {
  readonly name: 'anchor' | 'faults';
  readonly replicas: 1 | 2;
  readonly faults: boolean;
  readonly stores: number;
  readonly seconds: number;
  readonly seed: number;
  /** Base rates per second; the spike is ten times these. */
  readonly salesPerS: number;
  readonly holdsPerS: number;
  readonly ordersPerS: number;
  /** Online callers (holds and orders) in flight at most, and the queue behind them. */
  readonly callers: number;
  readonly natsUrl: string | undefined;
  readonly dir: string;
  /** The longest wait for convergence after the load ends. */
  readonly convergeTimeoutS: number;
}

export interface TrialResult {
  readonly name: string;
  readonly stores: number;
  readonly loadSeconds: number;
  readonly events: number;
  readonly eventsApplied: number;
  readonly eventsPerS: number;
  readonly sales: number;
  /** Holds planned by the work stream; answered = granted + refused; failed: given up after 120 s; dropped: the queue was full. */
  readonly holds: {
    readonly planned: number;
    readonly granted: number;
    readonly refused: number;
    readonly failed: number;
    readonly dropped: number;
  };
  /** Over the answered holds, from the time the work stream planned each (the wait in the bench's queue included). */
  readonly holdP95Ms: number;
  readonly holdP50Ms: number;
  readonly orders: {
    readonly planned: number;
    readonly confirmed: number;
    readonly other: number;
    readonly failed: number;
    readonly dropped: number;
  };
  readonly ordersPerS: number;
  readonly oversellDetected: number;
  readonly oversellRepaired: number;
  readonly oversellOpen: number;
  /** Stock rows reserved beyond their on-hand after convergence (an oversell nobody repaired). */
  readonly oversoldRows: number;
  readonly eventsLost: number;
  readonly eventsDoubled: number;
  /** Stock rows whose on-hand at the hub differs from the opening stock plus what the store's acknowledged events imply. */
  readonly stockRowsOff: number;
  readonly parked: number;
  readonly rewinds: number;
  /** Seconds from the end of the spike until what was sold and held by then is everywhere (null: not within bounds). */
  readonly convergeS: number | null;
  /** Seconds from the end of the load until everything is acknowledged, delivered and repaired (null: not in bounds). */
  readonly finalConvergeS: number | null;
  readonly rssPeakMb: readonly number[];
  readonly pgGrowthMb: number;
  readonly unexpectedExits: number;
  readonly offlineStores: number;
  readonly pgRestartS: number | null;
  /** The change buses the replicas reported on /livez during the trial (sampled every 5 s). */
  readonly changeBuses: readonly string[];
  readonly databaseUrl: string;
  readonly details: readonly string[];
}

/** One hub replica: a child process on a fixed port (a restart comes back at the same address). */
class Replica {
  child: Child | undefined;
  rssPeak = 0;
  /** Set while the trial itself killed it: an exit then is not a crash. */
  killedOnPurpose = false;
  unexpectedExits = 0;
  starts = 0;

  constructor(
    readonly index: number,
    readonly port: number,
    readonly env: Record<string, string | undefined>,
    readonly planFile: string,
    readonly logFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Running, whatever its state (the supervisor's view). */
  get running(): boolean {
    return Boolean(this.child && !this.child.exited);
  }

  /** Running and past READY (a load balancer's health check): the only replicas callers and stores are sent to. */
  get up(): boolean {
    return this.running && this.ready;
  }

  ready = false;

  async start(seed: boolean): Promise<void> {
    this.killedOnPurpose = false;
    this.starts++;
    const child = new Child(RUNNER, [this.planFile], {
      ...this.env,
      PORT: String(this.port),
      REPLICA: `bf-replica-${this.index}`,
      SEED: seed ? '1' : '',
      LOG_FILE: this.logFile,
    });
    // The bench process ending without stop() (a signal, process.exit) takes its replicas with it.
    const orphaned = () => child.proc.kill('SIGKILL');
    process.once('exit', orphaned);
    child.proc.once('exit', () => {
      process.off('exit', orphaned);
      if (!this.killedOnPurpose) this.unexpectedExits++;
    });
    this.child = child;
    this.ready = false;
    await child.waitFor('READY', 300_000);
    this.ready = true;
  }

  async kill(): Promise<void> {
    this.killedOnPurpose = true;
    await this.child?.kill();
  }

  /** SIGTERM (the hub stops cleanly), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exited) return;
    this.killedOnPurpose = true;
    const gone = new Promise<void>((r) => c.proc.once('exit', () => r()));
    c.proc.kill('SIGTERM');
    await Promise.race([gone, sleep(15_000)]);
    await c.kill();
  }

  sampleRss(): void {
    const pid = this.child?.proc.pid;
    if (!this.running || !pid) return;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) this.rssPeak = Math.max(this.rssPeak, Number(m[1]) * 1024);
    } catch {
      // the process ended between the check and the read
    }
  }
}

type CallJob = {
  kind: 'hold' | 'order';
  path: string;
  body: unknown;
  token: string;
  key: string;
  /** performance.now() at which the work stream planned the call: its latency counts from here, queue wait included. */
  plannedAt: number;
};

/**
 * Online callers: a bounded queue served by `callers` workers, each call retried on another replica on a fault. A call
 * that finds the queue full is dropped and counted; a hold's latency runs from its planned time to its answer.
 */
class OnlineCallers {
  readonly queue: CallJob[] = [];
  readonly holdMs: number[] = [];
  readonly holds = { planned: 0, granted: 0, refused: 0, failed: 0, dropped: 0 };
  readonly orders = { planned: 0, confirmed: 0, other: 0, failed: 0, dropped: 0 };
  readonly firstFailures: string[] = [];
  #stopped = false;
  #busy = 0;
  #rr = 0;
  readonly #workers: Promise<void>[] = [];
  readonly #apis = new Map<string, HubApi>();

  constructor(
    readonly urls: () => readonly string[],
    readonly callers: number,
    readonly maxQueue: number,
  ) {
    for (let i = 0; i < callers; i++) this.#workers.push(this.#work());
  }

  push(job: CallJob): void {
    const counts = job.kind === 'hold' ? this.holds : this.orders;
    counts.planned++;
    if (this.queue.length >= this.maxQueue) {
      counts.dropped++;
      return;
    }
    this.queue.push(job);
  }

  get idle(): boolean {
    return this.queue.length === 0 && this.#busy === 0;
  }

  /**
   * Ends the callers: calls still in the queue are given up and counted as failed (the trial's wait for convergence is
   * over; draining them could take 120 s each), calls in flight finish their own retries. Returns how many it gave up.
   */
  async stop(): Promise<number> {
    this.#stopped = true;
    const left = this.queue.splice(0);
    for (const job of left) (job.kind === 'hold' ? this.holds : this.orders).failed++;
    await Promise.all(this.#workers);
    return left.length;
  }

  #api(url: string): HubApi {
    const known = this.#apis.get(url);
    if (known) return known;
    const api = new HubApi(url, this.callers);
    this.#apis.set(url, api);
    return api;
  }

  async #work(): Promise<void> {
    while (!this.#stopped) {
      const job = this.queue.shift();
      if (!job) {
        await sleep(5);
        continue;
      }
      this.#busy++;
      try {
        await this.#serve(job);
      } finally {
        this.#busy--;
      }
    }
  }

  /** Tries replicas in turn (a load balancer's view) for at most 120 s; the same idempotency key on every attempt. */
  async #serve(job: CallJob): Promise<void> {
    const t0 = performance.now();
    let lastProblem = '';
    for (let attempt = 0; performance.now() - t0 < 120_000 && attempt < 100; attempt++) {
      const urls = this.urls();
      const url = urls[this.#rr++ % urls.length]!;
      try {
        const res = await this.#api(url).call<{ status?: string }>('POST', job.path, job.body, {
          bearer: job.token,
          idempotencyKey: job.key,
        });
        if (res.status === 201 || res.status === 200 || res.status === 409) {
          if (job.kind === 'hold') {
            this.holdMs.push(performance.now() - job.plannedAt);
            if (res.status === 409) this.holds.refused++;
            else this.holds.granted++;
          } else if (res.status !== 409 && res.body.status === 'CONFIRMED') this.orders.confirmed++;
          else this.orders.other++;
          return;
        }
        lastProblem = `${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
        if (res.status < 500 && res.status !== 429) break; // a refusal that another try will not change
      } catch (err) {
        lastProblem = (err as Error).message;
      }
      await sleep(Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)));
    }
    (job.kind === 'hold' ? this.holds : this.orders).failed++;
    if (this.firstFailures.length < 5) this.firstFailures.push(`${job.kind} ${job.path}: ${lastProblem}`);
  }
}

/** Runs one trial on a fresh database of `pgc`; returns its figures (the caller checks them). */
export async function runTrial(pgc: TrialPostgres, o: TrialOptions): Promise<TrialResult> {
  const dbName = `fleet_bf_${o.name}`;
  const databaseUrl = await pgc.createDatabase(dbName);
  const plan: TrialPlan = makePlan(o.seed, o.stores, join(o.dir, `${o.name}-tokens.json`));
  const planFile = join(o.dir, `${o.name}-plan.json`);
  writeFileSync(planFile, JSON.stringify(plan));
  const env = {
    DATABASE_URL: databaseUrl,
    NATS_URL: o.natsUrl ?? '',
    HUB_METRICS_TOKEN: randomBytes(24).toString('base64url'),
  };
  const replicas: Replica[] = [];
  for (let i = 0; i < o.replicas; i++)
    replicas.push(new Replica(i, await freePort(), env, planFile, join(o.dir, `${o.name}-replica-${i}.log`)));
  const urls = () => {
    const live = replicas.filter((r) => r.up).map((r) => r.url);
    return live.length ? live : replicas.map((r) => r.url);
  };
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined); // a restart cuts idle connections; the next query opens another
  const stores: TrialStore[] = [];
  const clients: SyncClient[] = [];
  const details: string[] = [];
  const changeBuses = new Set<string>();
  let callers: OnlineCallers | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    log(`${o.name}: starting ${o.replicas} replica(s) and seeding ${o.stores} stores`);
    await replicas[0]!.start(true);
    for (const r of replicas.slice(1)) await r.start(false);
    let ticks = 0;
    sampler = setInterval(() => {
      for (const r of replicas) r.sampleRss();
      if (ticks++ % 5 === 0) for (const r of replicas) if (r.up) void sampleChangeBus(r.url, changeBuses);
    }, 1_000);
    const tokens = JSON.parse(readFileSync(plan.tokensFile, 'utf8')) as { id: string; token: string }[];
    const tokenOf = new Map(tokens.map((t) => [t.id, t.token]));

    // Customers who order online, signed up at a store's lane (a store token: no console session, no CSRF token);
    // each order is placed by its pickup store's kiosk token, as the orders bench does.
    const api = new HubApi(replicas[0]!.url, 4);
    const customers: string[] = [];
    const signUpAt = { bearer: tokenOf.get(plan.stores[0]!.id)! };
    for (let c = 0; c < 20; c++)
      customers.push(
        (await api.expect<{ id: string }>(201, 'POST', '/api/customers', { name: `Trial customer ${c}` }, signUpAt)).id,
      );

    // Every store connects to its home replica (store i to replica i mod n), 200 at a time.
    const connectT0 = performance.now();
    for (let i = 0; i < plan.stores.length; i += 200) {
      const batch = plan.stores.slice(i, i + 200).map((p, k) => {
        const n = i + k;
        const store = new TrialStore(p, plan, o.seed * 10_007 + n);
        const client = new SyncClient(store, new FailoverConnector(urls, n % o.replicas, tokenOf.get(p.id)!), quiet, {
          backoff: { baseMs: 250, capMs: 10_000 },
          random: seededRandom(o.seed * 7_919 + n),
        });
        stores.push(store);
        clients.push(client);
        client.start();
        return client;
      });
      await until(() => batch.every((c) => c.status.phase === 'syncing'), 180_000, 'stores to connect');
    }
    log(`${o.name}: ${stores.length} stores connected in ${((performance.now() - connectT0) / 1000).toFixed(1)} s`);
    const sizeBefore = await pgc.sizeBytes(dbName);

    callers = new OnlineCallers(urls, o.callers, o.callers * 50);
    const online = callers;
    const busy = busyStores(o.stores);
    const busyShare = (5 * busy) / (5 * busy + (o.stores - busy));
    // One seeded stream per kind of work: the same stores, holds and orders whatever the timing of the loop.
    const salesRandom = seededRandom(o.seed);
    const holdsRandom = seededRandom(o.seed + 2);
    const ordersRandom = seededRandom(o.seed + 3);
    const faultsRandom = seededRandom(o.seed + 1);
    const T = o.seconds;
    const spikeFrom = T / 3;
    const spikeTo = (2 * T) / 3;
    /** Units of base load done by time t (seconds): 1 per second outside the spike, 10 inside. */
    const loadUnits = (t: number) =>
      Math.min(t, spikeFrom) + 10 * Math.max(0, Math.min(t, spikeTo) - spikeFrom) + Math.max(0, t - spikeTo);
    /** The time (seconds) at which `u` units of base load are done: loadUnits' inverse. */
    const unitsDoneAt = (u: number) =>
      u <= spikeFrom
        ? u
        : u <= 10 * (spikeTo - spikeFrom) + spikeFrom
          ? spikeFrom + (u - spikeFrom) / 10
          : spikeTo + (u - spikeFrom - 10 * (spikeTo - spikeFrom));
    /** When the work stream plans its call number `i` (from 0) at `perS` per unit of load: performance.now() scale. */
    const plannedAt = (i: number, perS: number) => t0 + unitsDoneAt((i + 1) / perS) * 1000;

    // Faults: offline spans of 5 % of stores starting within the spike, a replica killed at 40 % (and started again
    // by its supervisor at 75 %), Postgres restarted at 55 %.
    type Span = { store: number; from: number; to: number };
    const spans: Span[] = [];
    if (o.faults) {
      const picked = new Set<number>();
      while (picked.size < Math.round(o.stores * 0.05)) picked.add(Math.floor(faultsRandom() * o.stores));
      for (const s of picked) {
        const from = spikeFrom + faultsRandom() * (spikeTo - spikeFrom);
        spans.push({ store: s, from, to: Math.min(T - 1, from + T / 30 + faultsRandom() * (T / 6 - T / 30)) });
      }
    }
    const goOffline = [...spans].sort((a, b) => a.from - b.from);
    const comeBack = [...spans].sort((a, b) => a.to - b.to);
    let killed = false;
    let revived = false;
    let pgRestart: Promise<number> | undefined;
    let pgRestartS: number | null = null;
    const supervisor: Promise<void>[] = [];

    let sales = 0;
    let holdsMade = 0;
    let ordersMade = 0;
    let marked: SpikeMark | undefined;
    let convergeS: number | null = null;
    let lastPoll = 0;

    const pickStore = () =>
      salesRandom() < busyShare
        ? Math.floor(salesRandom() * busy)
        : busy + Math.floor(salesRandom() * (o.stores - busy));
    const t0 = performance.now();
    const elapsed = () => (performance.now() - t0) / 1000;
    log(
      `${o.name}: load for ${T} s (base ${o.salesPerS} sales/s, ${o.holdsPerS} holds/s, ${o.ordersPerS} orders/s; ` +
        `10× from ${spikeFrom.toFixed(0)} s to ${spikeTo.toFixed(0)} s)${o.faults ? `; ${spans.length} stores go offline` : ''}`,
    );
    const sizeSaleHolds = () => ({
      sales: Math.floor(loadUnits(Math.min(elapsed(), T)) * o.salesPerS),
      holds: Math.floor(loadUnits(Math.min(elapsed(), T)) * o.holdsPerS),
      orders: Math.floor(loadUnits(Math.min(elapsed(), T)) * o.ordersPerS),
    });

    while (elapsed() < T) {
      const t = elapsed();
      const due = sizeSaleHolds();
      const touched = new Set<number>();
      for (; sales < due.sales; sales++) {
        const k = pickStore();
        stores[k]!.sell();
        touched.add(k);
      }
      for (const k of touched) clients[k]!.outboxChanged();
      for (; holdsMade < due.holds; holdsMade++) {
        const hot = holdsRandom() < 0.7;
        const k = hot ? Math.floor(holdsRandom() * busy) : Math.floor(holdsRandom() * o.stores);
        const product = hot
          ? plan.hotProducts[Math.floor(holdsRandom() * plan.hotProducts.length)]!
          : plan.normalProducts[Math.floor(holdsRandom() * plan.normalProducts.length)]!;
        const qty = 1 + Math.floor(holdsRandom() * 2);
        online.push({
          kind: 'hold',
          path: '/api/reservations',
          token: tokenOf.get(plan.stores[k]!.id)!,
          key: `${o.name}-hold-${holdsMade}`,
          plannedAt: plannedAt(holdsMade, o.holdsPerS),
          body: { storeId: plan.stores[k]!.id, customerRef: `web-${holdsMade}`, lines: [{ sku: product.sku, qty }] },
        });
      }
      for (; ordersMade < due.orders; ordersMade++) {
        const k = Math.floor(ordersRandom() * o.stores);
        const first = Math.floor(ordersRandom() * plan.normalProducts.length);
        const lines = [{ sku: plan.normalProducts[first]!.sku, qty: 1 + Math.floor(ordersRandom() * 2) }];
        if (ordersRandom() < 0.5)
          lines.push({ sku: plan.normalProducts[(first + 7) % plan.normalProducts.length]!.sku, qty: 1 });
        const placeKey = `${o.name}-order-${ordersMade}`;
        online.push({
          kind: 'order',
          path: '/api/orders',
          token: tokenOf.get(plan.stores[k]!.id)!,
          key: placeKey,
          plannedAt: plannedAt(ordersMade, o.ordersPerS),
          body: {
            customerId: customers[Math.floor(ordersRandom() * customers.length)]!,
            placeKey,
            lines,
            fulfilment: { type: 'PICKUP', storeId: plan.stores[k]!.id },
          },
        });
      }
      if (o.faults) {
        while (goOffline.length && goOffline[0]!.from <= t) {
          const s = goOffline.shift()!;
          stores[s.store]!.online = false;
          clients[s.store]!.stop();
        }
        while (comeBack.length && comeBack[0]!.to <= t) {
          const s = comeBack.shift()!;
          stores[s.store]!.online = true;
          clients[s.store]!.start();
        }
        if (!killed && t >= 0.4 * T && replicas[1]) {
          killed = true;
          log(`${o.name}: SIGKILL replica 1 at ${t.toFixed(1)} s`);
          await replicas[1].kill();
        }
        if (!pgRestart && t >= 0.55 * T) {
          log(`${o.name}: restarting Postgres at ${t.toFixed(1)} s`);
          pgRestart = pgc.restart().then((s) => {
            pgRestartS = s;
            log(`${o.name}: Postgres back after ${s.toFixed(1)} s`);
            return s;
          });
        }
        if (!revived && t >= 0.75 * T && replicas[1]) {
          revived = true;
          log(`${o.name}: the supervisor starts replica 1 again at ${t.toFixed(1)} s`);
          supervisor.push(replicas[1].start(false).catch((err: unknown) => log(`replica 1 restart: ${err}`)));
        }
      }
      // A replica that died on its own is restarted by its supervisor (counted: it must not happen).
      for (const r of replicas)
        if (!r.running && !r.killedOnPurpose && r.starts < 6) {
          log(`${o.name}: replica ${r.index} exited by itself at ${t.toFixed(1)} s; the supervisor starts it again`);
          r.killedOnPurpose = true; // until the start below sets it again
          supervisor.push(sleep(1_000).then(() => r.start(false).catch((err: unknown) => log(`restart: ${err}`))));
        }
      if (!marked && t >= spikeTo) {
        marked = { at: performance.now(), wallAt: Date.now(), events: stores.map((s) => s.events.length), heads: null };
        log(`${o.name}: spike over at ${t.toFixed(1)} s (${sales} sales, ${holdsMade} holds, ${ordersMade} orders)`);
      }
      if (marked && convergeS === null && performance.now() - lastPoll > 1_000) {
        lastPoll = performance.now();
        convergeS = await convergedSince(pool, stores, clients, marked);
      }
      await sleep(50);
    }
    const loadSeconds = elapsed();
    const endAt = performance.now();
    log(`${o.name}: load over (${sales} sales, ${holdsMade} holds, ${ordersMade} orders); waiting for convergence`);
    for (const s of comeBack.splice(0)) {
      stores[s.store]!.online = true;
      clients[s.store]!.start();
    }
    if (pgRestart) await pgRestart;
    await Promise.all(supervisor);

    // Final convergence: calls answered, every event acknowledged, every feed delivered, every oversell repaired.
    let finalConvergeS: number | null = null;
    while ((performance.now() - endAt) / 1000 < o.convergeTimeoutS) {
      if (marked && convergeS === null) convergeS = await convergedSince(pool, stores, clients, marked);
      if (online.idle && (await convergedNow(pool, stores, clients))) {
        finalConvergeS = (performance.now() - endAt) / 1000;
        break;
      }
      await sleep(500);
    }
    const convergedAt = performance.now();
    if (finalConvergeS === null)
      details.push(`${o.name}: still waiting on ${await whatIsPending(pool, stores, clients, online)}`);
    const givenUp = await online.stop();
    if (givenUp)
      details.push(`${o.name}: ${givenUp} online calls still queued at the end were given up (counted failed)`);
    log(
      `${o.name}: ${finalConvergeS === null ? `NOT converged within ${o.convergeTimeoutS} s` : `converged ${finalConvergeS.toFixed(1)} s after the load`}` +
        `; after the spike: ${convergeS === null ? 'not within bounds' : `${convergeS.toFixed(1)} s`}`,
    );
    for (const f of online.firstFailures) details.push(`online call gave up: ${f}`);

    const sizeAfter = await pgc.sizeBytes(dbName);
    const verdict = await checkState(pool, stores, plan);
    details.push(...verdict.details);
    const events = stores.reduce((n, s) => n + s.events.length, 0);
    const eventsApplied = stores.reduce((n, s) => n + s.acked, 0);
    for (const r of replicas) r.sampleRss();
    return {
      name: o.name,
      stores: o.stores,
      loadSeconds,
      events,
      eventsApplied,
      eventsPerS: eventsApplied / ((convergedAt - t0) / 1000),
      sales,
      holds: { ...online.holds },
      holdP95Ms: percentile(online.holdMs, 95),
      holdP50Ms: percentile(online.holdMs, 50),
      orders: { ...online.orders },
      ordersPerS: online.orders.confirmed / loadSeconds,
      ...verdict.figures,
      rewinds: stores.reduce((n, s) => n + s.rewinds, 0),
      convergeS,
      finalConvergeS,
      rssPeakMb: replicas.map((r) => r.rssPeak / 1024 ** 2),
      pgGrowthMb: (sizeAfter - sizeBefore) / 1024 ** 2,
      unexpectedExits: replicas.reduce((n, r) => n + r.unexpectedExits, 0),
      offlineStores: spans.length,
      pgRestartS,
      changeBuses: [...changeBuses],
      databaseUrl,
      details,
    };
  } finally {
    clearInterval(sampler);
    for (const c of clients) c.stop();
    await callers?.stop();
    await Promise.all(replicas.map((r) => r.stop()));
    await pool.end().catch(() => undefined);
  }
}

/** Adds the change bus a replica says it uses (`/livez`: 'nats-jetstream' or 'postgres-notify (…why)') to `seen`. */
async function sampleChangeBus(url: string, seen: Set<string>): Promise<void> {
  try {
    const res = await fetch(`${url}/livez`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as { changeBus?: string };
    if (body.changeBus) seen.add(body.changeBus.replace(/ \(.*$/s, ''));
  } catch {
    // a replica being killed or restarted: the next sample tells
  }
}

/** What existed when the spike ended: each store's outbox head and (read once Postgres answers) its feed head. */
interface SpikeMark {
  readonly at: number;
  readonly wallAt: number;
  readonly events: readonly number[];
  heads: Map<string, number> | null;
}

async function feedHeads(pool: pg.Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ store_id: string; head: string }>('SELECT store_id, head FROM sync_feed_heads');
  return new Map(rows.map((r) => [r.store_id, Number(r.head)]));
}

/**
 * Whether what existed when the spike ended has converged: every store online, its events of then acknowledged, its
 * feed as of then delivered, and no oversell detected by then still open. Returns the seconds since, or null.
 */
async function convergedSince(
  pool: pg.Pool,
  stores: readonly TrialStore[],
  clients: readonly SyncClient[],
  mark: SpikeMark,
): Promise<number | null> {
  try {
    mark.heads ??= await feedHeads(pool);
    const heads = mark.heads;
    if (!stores.every((s, i) => s.online && clients[i]!.status.phase === 'syncing' && s.acked >= mark.events[i]!))
      return null;
    if (!stores.every((s) => s.cursor >= (heads.get(s.storeId) ?? 0))) return null;
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM inventory_incidents WHERE status = 'OPEN' AND detected_at <= $1`,
      [mark.wallAt],
    );
    if (Number(rows[0]!.n) > 0) return null;
    return (performance.now() - mark.at) / 1000;
  } catch {
    return null; // Postgres away (its restart): not converged yet
  }
}

/** Everything acknowledged, every feed delivered, no oversell open. */
async function convergedNow(
  pool: pg.Pool,
  stores: readonly TrialStore[],
  clients: readonly SyncClient[],
): Promise<boolean> {
  if (!stores.every((s, i) => clients[i]!.status.phase === 'syncing' && s.acked === s.events.length)) return false;
  try {
    const heads = await feedHeads(pool);
    if (!stores.every((s) => s.cursor === (heads.get(s.storeId) ?? 0))) return false;
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM inventory_incidents WHERE status = 'OPEN'`,
    );
    return Number(rows[0]!.n) === 0;
  } catch {
    return false;
  }
}

/** The change in a sku's on-hand that a store's acknowledged events imply (all of them, once it converged). */
function ackedDelta(s: TrialStore, sku: string): number {
  if (s.acked === s.events.length) return s.delta.get(sku) ?? 0;
  let d = 0;
  for (const e of s.events.slice(0, s.acked))
    if (e.type === 'stock.moved' && (e.payload as { sku: string }).sku === sku)
      d += (e.payload as { delta: number }).delta;
  return d;
}

/** What a trial that did not converge was still waiting for, in one line. */
async function whatIsPending(
  pool: pg.Pool,
  stores: readonly TrialStore[],
  clients: readonly SyncClient[],
  online: OnlineCallers,
): Promise<string> {
  const offline = clients.filter((c) => c.status.phase !== 'syncing').length;
  const unacked = stores.filter((s) => s.acked < s.events.length);
  const pendingUp = unacked.reduce((n, s) => n + s.events.length - s.acked, 0);
  let feed = 'feed heads unread';
  let open = 'incidents unread';
  try {
    const heads = await feedHeads(pool);
    feed = `${stores.filter((s) => s.cursor !== (heads.get(s.storeId) ?? 0)).length} stores behind their feed`;
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM inventory_incidents WHERE status = 'OPEN'`,
    );
    open = `${rows[0]!.n} oversells open`;
  } catch (err) {
    feed = `Postgres: ${(err as Error).message}`;
  }
  return (
    `${offline} stores not syncing, ${unacked.length} stores with ${pendingUp} events unacknowledged, ${feed}, ${open}, ` +
    `${online.queue.length} online calls queued${online.idle ? '' : ' (callers busy)'}`
  );
}

/**
 * Reads the hub's tables after convergence. Lost: events a store had acknowledged that the hub does not hold, stock
 * events with no movement row, sales with no sales row. Doubled: a stock event counted in more than one movement row.
 * The on-hand of every stock row is compared with the opening stock plus what its store's events imply.
 */
async function checkState(pool: pg.Pool, stores: readonly TrialStore[], plan: TrialPlan) {
  const details: string[] = [];
  const held = await pool.query<{ origin: string; n: string }>(
    `SELECT origin, count(*) AS n FROM (SELECT origin, seq FROM sync_events UNION SELECT origin, seq FROM sync_events_archive) e
     JOIN unnest($1::uuid[], $2::bigint[]) AS a(id, acked) ON a.id = e.origin AND e.seq <= a.acked GROUP BY origin`,
    [stores.map((s) => s.storeId), stores.map((s) => s.acked)],
  );
  const heldBy = new Map(held.rows.map((r) => [r.origin, Number(r.n)]));
  let notHeld = 0;
  for (const s of stores) notHeld += s.acked - (heldBy.get(s.storeId) ?? 0);

  const moves = await pool.query<{ store_id: string; distinct_seqs: string; rows: string }>(
    `SELECT store_id, count(DISTINCT origin_seq) AS distinct_seqs, count(*) AS rows FROM inventory_movements
     WHERE origin_seq IS NOT NULL GROUP BY store_id`,
  );
  const movesBy = new Map(moves.rows.map((r) => [r.store_id, r]));
  let movementsMissing = 0;
  let doubled = 0;
  for (const s of stores) {
    const m = movesBy.get(s.storeId);
    const ackedStockSeqs = s.stockSeqs.filter((q) => q <= s.acked).length;
    movementsMissing += Math.max(0, ackedStockSeqs - Number(m?.distinct_seqs ?? 0));
    doubled += Number(m?.rows ?? 0) - Number(m?.distinct_seqs ?? 0);
  }
  const salesRows = await pool.query<{ store_id: string; n: string }>(
    'SELECT store_id, count(*) AS n FROM sales GROUP BY store_id',
  );
  const salesBy = new Map(salesRows.rows.map((r) => [r.store_id, Number(r.n)]));
  let salesMissing = 0;
  for (const s of stores) {
    const ackedSales = s.events.filter((e) => e.type === 'sale.completed' && e.seq <= s.acked).length;
    salesMissing += Math.max(0, ackedSales - (salesBy.get(s.storeId) ?? 0));
  }

  const stock = await pool.query<{ store_id: string; sku: string; on_hand: string; reserved: string }>(
    'SELECT store_id, sku, on_hand, reserved FROM inventory_stock',
  );
  const byId = new Map(stores.map((s) => [s.storeId, s]));
  const hotSkus = new Set(plan.hotProducts.map((p) => p.sku));
  let stockRowsOff = 0;
  let oversoldRows = 0;
  for (const r of stock.rows) {
    const s = byId.get(r.store_id);
    if (!s) continue;
    const opening = hotSkus.has(r.sku) ? (s.planned.hot ? plan.hotStockBusy : plan.hotStockQuiet) : plan.normalStock;
    const expected = opening + ackedDelta(s, r.sku);
    if (Number(r.on_hand) !== expected) {
      stockRowsOff++;
      if (details.length < 5)
        details.push(`stock ${s.planned.code}/${r.sku}: hub ${r.on_hand}, store events ${expected}`);
    }
    if (Number(r.reserved) > Number(r.on_hand)) oversoldRows++;
  }
  const incidents = await pool.query<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM inventory_incidents GROUP BY status',
  );
  const incidentsBy = new Map(incidents.rows.map((r) => [r.status, Number(r.n)]));
  const parked = await pool.query<{ n: string }>('SELECT count(*) AS n FROM sync_parked WHERE resolved_at IS NULL');
  if (notHeld || movementsMissing || salesMissing)
    details.push(
      `lost: ${notHeld} acknowledged events not held, ${movementsMissing} stock events without a movement, ${salesMissing} sales without a row`,
    );
  return {
    figures: {
      eventsLost: notHeld + movementsMissing + salesMissing,
      eventsDoubled: doubled,
      stockRowsOff,
      oversoldRows,
      oversellDetected: (incidentsBy.get('OPEN') ?? 0) + (incidentsBy.get('REPAIRED') ?? 0),
      oversellRepaired: incidentsBy.get('REPAIRED') ?? 0,
      oversellOpen: incidentsBy.get('OPEN') ?? 0,
      parked: Number(parked.rows[0]!.n),
    },
    details,
  };
}
