/**
 * The demo `npm start` runs, as a function (demo.ts is its command line; the demo tests call this): one hub on
 * embedded PGlite and N store nodes (child processes with their own SQLite files), seeded on first run with a demo
 * admin, stores, a distribution centre, a 2,000-product catalog, shoppers and a few orders. It resolves only once
 * the hub and every store node answer `/healthz` and every store's opening delivery has reached the hub, saying what
 * it waits for meanwhile; then every URL it prints answers. Everything lives in `dataDir`; delete it to start over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createHub, type Hub } from '../hub.js';
import { demoStore, type DemoStore } from './demo-stores.js';
import { DEMO_CUSTOMERS } from './demo-customers.js';
import { DEMO_DC } from './demo-stock.js';
import { type DemoDeliveries, startDemoDeliveries } from './demo-delivery.js';
import { seedDemoBookings } from './demo-booking.js';
import { seedDemoTags } from './demo-tags.js';
import { seedDemoRecommendations } from './demo-recommendations.js';
import { seedDemoVault } from './demo-vault.js';
import { seedDemoReviews } from './demo-reviews.js';
import { seedDemoPricing } from './demo-pricing.js';
import { seedDemoShopper } from './demo-shop.js';
import { type HubFetch, hubFetchFor } from './demo-https.js';
import { seedDemoStaff, staffBannerLines } from './demo-staff.js';
import {
  adminApi,
  catalogRows,
  type DemoSecrets,
  DemoStartError,
  type PlacedOrder,
  placeDemoOrders,
  seedCatalog,
  type SeededCustomer,
  seedCustomers,
  seedDistributionCentre,
} from './demo-seed.js';

export interface DemoOptions {
  readonly stores: number;
  readonly port: number;
  readonly dataDir: string;
  readonly logLevel?: string;
  readonly metricsToken?: string | undefined;
  /** Where the store nodes' output goes (default: this process's). */
  readonly childOutput?: 'inherit' | 'ignore';
  /** Each line of progress while it starts ("starting 3 store nodes… 2 of 3 ready"). */
  readonly progress?: (line: string) => void;
  /** How long the store nodes may take to answer and be stocked (default 180 s). */
  readonly readyTimeoutMs?: number;
}

export interface RunningDemo {
  readonly hub: Hub;
  /** https://127.0.0.1:<port> (the demo CA's certificate). */
  readonly hubUrl: string;
  /** The demo's private CA (`<dataDir>/tls/ca.pem`): what the store nodes pin and a browser is told to trust. */
  readonly caFile: string;
  /** A fetch that trusts that CA, for calling the hub. */
  readonly hubFetch: HubFetch;
  readonly stores: readonly (DemoStore & { readonly url: string; readonly storeId: string })[];
  readonly dcId: string;
  readonly admin: { readonly email: string; readonly password: string };
  readonly secretsFile: string;
  /** The lines `npm start` prints once everything answers. */
  readonly banner: string;
  /** Stops the store nodes, then the hub. Safe to call twice. */
  stop(): Promise<void>;
}

export { DemoStartError };

export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  const say = o.progress ?? (() => {});
  const dataDir = resolve(o.dataDir);
  const secretsFile = join(dataDir, 'demo-credentials.json');
  const tlsDir = join(dataDir, 'tls'); // the hub makes its private CA and certificate here at first start
  const caFile = join(tlsDir, 'ca.pem');
  mkdirSync(join(dataDir, 'stores'), { recursive: true });
  const secrets: DemoSecrets = existsSync(secretsFile)
    ? (JSON.parse(readFileSync(secretsFile, 'utf8')) as DemoSecrets)
    : { admin: { email: 'admin@storefleet.local', password: randomBytes(9).toString('base64url') }, stores: {} };
  const saveSecrets = () => {
    writeFileSync(secretsFile, JSON.stringify(secrets, null, 2));
    chmodSync(secretsFile, 0o600);
  };

  say(`starting the hub on port ${o.port}…`);
  const hub = await createHub({
    mode: 'demo', // the payment provider and the warehouse are simulators
    dataDir: join(dataDir, 'hub'),
    port: o.port,
    host: '127.0.0.1',
    logLevel: o.logLevel ?? 'warn',
    metricsToken: o.metricsToken,
    edge: { demoCaDir: tlsDir }, // HTTPS and WSS with a private CA (issue #27); the stores pin its ca.pem
  });
  const children: ChildProcess[] = [];
  let deliveries: DemoDeliveries | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await deliveries?.stop(); // the simulated driver apps, before the hub they talk to
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((done) => {
            if (c.exitCode !== null || c.signalCode !== null) return done();
            c.once('exit', () => done());
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
    await hub.stop();
  };

  let hubUrl: string;
  let hubFetch: HubFetch;
  try {
    hubUrl = await hub.start();
    hubFetch = hubFetchFor(hubUrl, caFile);
  } catch (err) {
    await hub.stop();
    throw (err as { code?: string }).code === 'EADDRINUSE'
      ? new DemoStartError(
          `Port ${o.port} on 127.0.0.1 is already in use (another demo or program?): stop it, or start with --port <another>.`,
        )
      : new DemoStartError(`The hub could not start: ${(err as Error).message}`);
  }
  try {
    const api = await adminApi(hub, hubUrl, secrets, saveSecrets, dataDir, hubFetch);
    say('seeding the catalog, stores, distribution centre and shoppers…');
    await seedCatalog(api, say);
    for (let i = 0; i < o.stores; i++) {
      const s = demoStore(i);
      if (secrets.stores[s.code]) continue;
      const { credential } = await api<{ credential: { storeId: string; secret: string } }>('POST', '/api/locations', {
        ...s,
        kind: 'STORE',
      });
      secrets.stores[s.code] = credential;
      saveSecrets();
    }
    const dcId = await seedDistributionCentre(hub, api);
    const customers = await seedCustomers(api);

    const cli = fileURLToPath(new URL('../../../store-node/src/cli.ts', import.meta.url));
    const stores = Array.from({ length: o.stores }, (_, i) => {
      const s = demoStore(i);
      return { ...s, url: `http://127.0.0.1:${o.port + 1 + i}`, storeId: secrets.stores[s.code]!.storeId };
    });
    // before the nodes start, so each one's first roster already has its people (its POS asks for a PIN at once)
    secrets.staff ??= {};
    const staff = await seedDemoStaff({ api, stores, staff: secrets.staff, save: saveSecrets, say }).catch(
      (err: unknown) => ({ summary: `not seeded: ${(err as Error).message.slice(0, 200)}` }),
    );

    const exited = new Map<string, string>();
    for (const s of stores) {
      const child = spawn(process.execPath, ['--import', 'tsx', cli], {
        stdio: ['ignore', o.childOutput ?? 'inherit', o.childOutput ?? 'inherit'],
        env: {
          ...process.env,
          PORT: new URL(s.url).port,
          STORE_DB: join(dataDir, 'stores', `${s.code}.sqlite`),
          STORE_NAME: s.name,
          HUB_URL: hubUrl,
          HUB_CA_FILE: hubUrl.startsWith('https:') ? caFile : '', // the store trusts this CA only
          STORE_ID: s.storeId,
          STORE_SECRET: secrets.stores[s.code]!.secret,
          LOG_LEVEL: o.logLevel ?? 'warn',
          STORE_EMULATE_DEVICES: '1',
          STORE_DEMO_STOCK: '1', // an opening delivery of every product, once
          STORE_MODE: 'demo', // the card terminal is the simulator
        },
      });
      child.on('exit', (code, signal) => {
        exited.set(s.code, String(signal ?? code));
        if (!stopping) console.error(`store node ${s.code} exited (${signal ?? code}); the others keep running`);
      });
      children.push(child);
    }

    const deadline = Date.now() + (o.readyTimeoutMs ?? 180_000);
    const n = stores.length;
    await waitFor(`starting ${n} store node${n === 1 ? '' : 's'}…`, 'ready', n, deadline, say, exited, async () => {
      const up = await Promise.all(stores.map((s) => answers(`${s.url}/healthz`)));
      return up.filter(Boolean).length;
    });
    const catalogSize = Number(
      (await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM catalog_products')).rows[0]!.n,
    );
    await waitFor(
      'stocking the stores (opening deliveries to the hub)…',
      'stocked',
      n,
      deadline,
      say,
      exited,
      async () => {
        const { rows } = await hub.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM inventory_stock WHERE store_id = ANY($1::uuid[]) GROUP BY store_id`,
          [stores.map((s) => s.storeId)],
        );
        return rows.filter((r) => Number(r.n) >= catalogSize).length;
      },
    );
    say('placing the demo orders…');
    const orders = await placeDemoOrders(
      api,
      stores,
      customers.map((c) => c.id),
    );

    deliveries = await startDemoDeliveries({
      api,
      hubUrl,
      hubCa: hubUrl.startsWith('https:') ? readFileSync(caFile, 'utf8') : undefined,
      dataDir,
      stores,
      dcId,
      customers: customers.map((c) => c.id),
      catalog: catalogRows(),
      say,
      log: (err) => {
        if (!stopping) console.error('demo driver app:', (err as Error).message);
      },
    });

    const bookings = await seedDemoBookings({ api, stores, customers: customers.map((c) => c.id), say }).catch(
      (err: unknown) => ({ summary: `not seeded: ${(err as Error).message.slice(0, 200)}` }),
    );

    const tags = await seedDemoTags({ api, catalog: catalogRows(), say }).catch((err: unknown) => ({
      summary: `not seeded: ${(err as Error).message.slice(0, 200)}`,
    }));

    // after the stores are up, so each kiosk hears of its top list as soon as the first model is trained
    const recommendations = await seedDemoRecommendations({
      hub,
      api,
      stores,
      customers: customers.map((c) => c.id),
      catalog: catalogRows(),
      say,
    }).catch((err: unknown) => ({ summary: `not seeded: ${(err as Error).message.slice(0, 200)}` }));

    const vault = await seedDemoVault({ api, hubUrl, hubFetch, admin: secrets.admin, stores, say }).catch(
      (err: unknown) => ({
        summary: `not seeded: ${(err as Error).message.slice(0, 200)}`,
      }),
    );

    const reviews = await seedDemoReviews({
      hub,
      api,
      customers: customers.map((c) => c.id),
      catalog: catalogRows(),
      say,
    }).catch((err: unknown) => ({ summary: `not seeded: ${(err as Error).message.slice(0, 200)}` }));

    say(
      `pricing: ${(await seedDemoPricing({ api, stores, catalog: catalogRows(), say }).catch((err: unknown) => ({ summary: `not seeded: ${(err as Error).message.slice(0, 200)}` }))).summary}`,
    );

    const shopper = await seedDemoShopper(hubUrl, hubFetch).catch(
      (err: unknown) => `not seeded: ${(err as Error).message.slice(0, 200)}`,
    );

    const banner = bannerOf({
      hubUrl,
      caFile,
      staff: staff.summary,
      staffLines: staffBannerLines(stores, secrets.staff, '    '),
      shopper,
      reviews: reviews.summary,
      vault: vault.summary,
      recommendations: recommendations.summary,
      bookings: bookings.summary,
      tags: tags.summary,
      dataDir,
      secretsFile,
      admin: secrets.admin,
      stores,
      orders,
      customers,
      deliveries,
    });
    return { hub, hubUrl, caFile, hubFetch, stores, dcId, admin: secrets.admin, secretsFile, banner, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Polls `count` until it reaches `n`, saying each new count; throws when a store node exits or time runs out. */
async function waitFor(
  what: string,
  state: string,
  n: number,
  deadline: number,
  say: (line: string) => void,
  exited: ReadonlyMap<string, string>,
  count: () => Promise<number>,
): Promise<void> {
  let last = -1;
  for (;;) {
    const k = await count();
    if (k !== last) say(`${what} ${k} of ${n} ${state}`);
    last = k;
    if (k >= n) return;
    if (exited.size)
      throw new DemoStartError(
        `store node ${[...exited].map(([code, why]) => `${code} (${why})`).join(', ')} exited before it was ${state}: see its output above`,
      );
    if (Date.now() > deadline) throw new DemoStartError(`gave up waiting: ${what} ${k} of ${n} ${state}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function bannerOf(d: {
  hubUrl: string;
  caFile: string;
  staff: string;
  staffLines: string;
  shopper: string;
  dataDir: string;
  secretsFile: string;
  admin: { email: string; password: string };
  stores: readonly (DemoStore & { url: string })[];
  orders: readonly PlacedOrder[];
  customers: readonly SeededCustomer[];
  deliveries: DemoDeliveries;
  bookings: string;
  tags: string;
  recommendations: string;
  vault: string;
  reviews: string;
}): string {
  const shoppers = DEMO_CUSTOMERS.map((c, i) => {
    const card = d.customers[i]?.loyaltyCard;
    return `    ${c.name.padEnd(16)} ${card ? `card ${card}  ` : ''}${c.phone}  ${c.email}`;
  }).join('\n');
  const notDone = d.orders.filter((o) => o.status !== 'CONFIRMED' && o.status !== 'PICKED_UP');
  return `
Storefleet is running.
  Admin console:        ${d.hubUrl}/console/   health: ${d.hubUrl}/healthz
  HTTPS:                the hub's certificate is signed by this demo's own private CA, so a browser warns at first:
                        trust ${relativeToCwd(d.caFile)} (or accept the warning once); the stores pin it (HUB_CA_FILE)
  Metrics:              ${d.hubUrl}/metrics (signed in as the admin, or Authorization: Bearer $HUB_METRICS_TOKEN)
  Sign in as:           ${d.admin.email} / ${d.admin.password}
                        (kept in ${d.secretsFile}; also: curl -c jar -H 'content-type: application/json' \\
                         -d '{"email":"${d.admin.email}","password":"…"}' ${d.hubUrl}/api/auth/login)
  Shop (customers):     ${d.hubUrl}/shop/   sign in as ${d.shopper}, or shop as a guest
  Store nodes:
${d.stores
  .map(
    (s) =>
      `  ${s.code} ${s.name.padEnd(24)} ${s.url}/  (POS /pos.html · kiosk /kiosk.html · pickups /pickup.html · deliveries /delivery.html · handheld /handheld.html)`,
  )
  .join('\n')}
  Lane PINs (demo only; also in ${relativeToCwd(d.secretsFile)}): ${d.staff}
                        a lane's POS asks for a PIN before it sells; a manager's PIN approves a void, a refund over
                        $50.00, a price override and a no-sale
${d.staffLines}
  Distribution centre:  ${DEMO_DC.code} ${DEMO_DC.name} (ships SHIP orders; holds every product)
  Demo shoppers (find them at a kiosk or lane by card, phone or e-mail):
${shoppers}
  Demo orders:          ${d.orders.length - notDone.length} of ${d.orders.length} confirmed (two pickups waiting at each store, one shipped)${
    notDone.length
      ? `\n                        not confirmed: ${notDone.map((o) => `${o.what} (${o.status})`).join(', ')}`
      : ''
  }
  Deliveries:           ${d.hubUrl}/console/#/delivery  (carriers: ${d.hubUrl}/console/#/delivery-carriers)
                        ${d.deliveries.summary}${
                          d.deliveries.orders.some((o) => !o.number)
                            ? `\n                        not placed: ${d.deliveries.orders
                                .filter((o) => !o.number)
                                .map((o) => `${o.what} (${o.status})`)
                                .join(', ')}`
                            : ''
                        }
  Bookings:             ${d.hubUrl}/console/#/booking  ${d.bookings}
  Tags:                 ${d.hubUrl}/console/#/tags  ${d.tags}
                        (browse by tag at each kiosk; search by tag on the handheld's Look-up tab, offline too)
  Recommendations:      ${d.hubUrl}/console/#/recommendations  ${d.recommendations}
  Documents:            ${d.hubUrl}/console/#/vault  ${d.vault}
  Reviews:              ${d.hubUrl}/console/#/reviews  ${d.reviews}
                        (each store's handheld reads them on its Documents page, the offline ones without the hub)
Press Ctrl-C to stop.`;
}

/** `data/demo/tls/ca.pem` when under the working folder (as `npm start` prints it), else the absolute path. */
function relativeToCwd(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
