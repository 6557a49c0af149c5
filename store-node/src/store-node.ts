import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { answerClientError, DiskFullError, parseEventPayload, refuseBadText } from '@storefleet/shared';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import {
  createLogger,
  REQUEST_LOG_SERIALIZERS,
  createRegistry,
  errorHandler,
  httpMetrics,
  markRoutePrefix,
  metricsRoute,
  notFoundHandler,
  requireJsonBody,
  browserAssetsDir,
} from '@storefleet/shared';
import { basketExpiryMinutes, type StoreNodeConfig } from './config.js';
import { migrateSqlite, loadSqliteMigrations } from './db/migrate-sqlite.js';
import { openSqlite, type SqliteDb } from './db/open-sqlite.js';
import { reclaimFreePages } from './db/reclaim-free-pages.js';
import { HubLink } from './hub-link/hub-link.js';
import { StoreSync } from './sync/store-sync.js';
import { syncMigrations } from './sync/index.js';
import { parkedFeedRoutes } from './sync/routes.js';
import { catalogMigrations, upsertCatalog } from './catalog/catalog-sink.js';
import { CatalogPuller } from './catalog/catalog-puller.js';
import { catalogRoutes } from './catalog/routes.js';
import { ProductSearch } from './catalog/product-search.js';
import { PairingService } from './pairing/pairing-service.js';
import { pairingRoutes } from './pairing/routes.js';
import { callerOf, LOOPBACK, SCREEN_COOKIE, screenGuard } from './access/screen-guard.js';
import { screenMarkerRoutes, sessionMarkerCookie } from './access/screen-marker.js';
import { fromOwnPages, siteGuard } from './access/site-guard.js';
import {
  idempotency,
  IDEMPOTENCY_RETENTION_MS,
  idempotencyMigrations,
  SqliteIdempotencyKeys,
} from './idempotency/idempotency.js';
import { hubGetter } from './hub-link/hub-get.js';
import { BopisService, bopisMigrations, bopisRoutes, holdsSink, keepPickupKey } from './bopis/index.js';
import { applyStockSnapshot, StockLedger, stockMigrations } from './stock/stock-ledger.js';
import { stockRoutes } from './stock/routes.js';
import { ReorderSuggestions } from './stock/reorder-suggestions.js';
import { DeviceManager } from './devices/device-manager.js';
import { RfidCycleCounter } from './devices/rfid-cycle-counter.js';
import { deviceRoutes } from './devices/routes.js';
import { DeviceLabels } from './devices/device-labels.js';
import { registerDeviceMetrics } from './devices/metrics.js';
import { StoreExecutor } from './tasks/store-executor.js';
import { reportRoutes } from './reports/routes.js';
import { KioskCarts } from './carts/kiosk-carts.js';
import { kioskCartRoutes } from './carts/routes.js';
import { kioskCartSessionRoutes, tokenOf as kioskCartToken } from './carts/kiosk-cart-routes.js';
import { KioskCartSessions } from './carts/kiosk-sessions.js';
import { hubCaller } from './carts/hub-call.js';
import { PosService } from './pos/pos-service.js';
import { posRoutes } from './pos/routes.js';
import { tillHousekeeping } from './pos/till-housekeeping.js';
import type { PaymentTerminal } from './pos/payment-terminal.js';
import { chooseTerminal } from './pos/terminal-choice.js';
import { DEFAULT_TAX_RATES_PPM } from './pos/basket-rules.js';
import { keepStoreProfile, StoreProfile, tillSettings } from './pos/store-profile.js';
import {
  DeliveryRepository,
  DeliveryService,
  deliveryMigrations,
  deliveryRoutes,
  registerDeliveryFeed,
} from './delivery/index.js';
import { deliveriesSink } from './delivery/deliveries-sink.js';
import {
  BookingRepository,
  BookingService,
  bookingHubCaller,
  bookingMigrations,
  bookingRoutes,
  bookingSink,
  keepTicketKey,
  registerBookingFeed,
} from './booking/index.js';
import { registerTagsFeed, TagFilter, TagsPuller, tagsMigrations, tagsRoutes, tagsSink } from './tags/index.js';
import {
  KioskBrowsing,
  recsMigrations,
  recsRoutes,
  registerRecsFeed,
  StoreRecsRepository,
  StoreRecsService,
} from './recommendations/index.js';
import {
  registerVaultFeed,
  StoreVaultRepository,
  StoreVaultService,
  VaultCache,
  vaultCacheDir,
  vaultHubFetcher,
  vaultMigrations,
  vaultRoutes,
} from './vault/index.js';
import {
  hubRegistryGetter,
  RegistryBlobCache,
  registerRegistryFeed,
  registryDir,
  registryMigrations,
  registryV2Routes,
  StoreReleaseRepository,
  StoreReleases,
  storeReleaseRoutes,
} from './registry/index.js';
import { ReviewsPuller, registerReviewsFeed, reviewsMigrations, reviewsRoutes, reviewsSink } from './reviews/index.js';
import { pricingMigrations, pricingRoutes, pricingSink, registerPricingFeed, StorePricing } from './pricing/index.js';
import { registerScanGoFeed, ScanGoDoor, scanGoMigrations, scanGoRoutes } from './scan-go/index.js';
import {
  registerStaffFeed,
  StaffDesk,
  staffMigrations,
  staffRoutes,
  staffSink,
  StoreStaffRoster,
} from './staff/index.js';
import { storeOpenApiRoutes } from './api-docs.js';
import { FAVICON_DOC, HEALTH_DOC, KIOSK_PAGE_DOC, METRICS_DOC, storeApiDoc, SYNC_STATUS_DOC } from './api-doc.js';

export const coreMigrations = new URL('./core/schema/', import.meta.url);
/** The store node's schema folders, in the order they apply. */
export const storeMigrationSources = [
  { module: 'core', dir: coreMigrations },
  { module: 'sync', dir: syncMigrations },
  { module: 'catalog', dir: catalogMigrations },
  { module: 'stock', dir: stockMigrations },
  { module: 'bopis', dir: bopisMigrations },
  { module: 'pos', dir: new URL('./pos/schema/', import.meta.url) },
  { module: 'devices', dir: new URL('./devices/schema/', import.meta.url) },
  { module: 'pairing', dir: new URL('./pairing/schema/', import.meta.url) },
  { module: 'idempotency', dir: idempotencyMigrations },
  { module: 'delivery', dir: deliveryMigrations },
  { module: 'booking', dir: bookingMigrations },
  { module: 'tags', dir: tagsMigrations },
  { module: 'recommendations', dir: recsMigrations },
  { module: 'vault', dir: vaultMigrations },
  { module: 'registry', dir: registryMigrations },
  { module: 'reviews', dir: reviewsMigrations },
  { module: 'pricing', dir: pricingMigrations },
  { module: 'scan-go', dir: scanGoMigrations },
  { module: 'staff', dir: staffMigrations },
];

/**
 * Every response of the node carries it; what the pages need: their own scripts and styles (no inline code), calls
 * to the node, images from the node or data: URLs. Not framable, no plugins, no <base>, forms post to the node.
 */
export const STORE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
  "frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'";

/** Acknowledged outbox events pruned per statement by the hourly housekeeping. */
const PRUNE_CHUNK = 5_000;
const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What a request refused for lack of disk space is told (507), and what `/healthz` says while the disk is full. */
export const STORE_DISK_FULL =
  "the store's disk is full: nothing was recorded. Free space on the store PC, then try again";

export interface StoreNode {
  readonly app: Express;
  readonly db: SqliteDb;
  readonly log: Logger;
  readonly metrics: Registry;
  readonly hubLink: HubLink;
  readonly sync: StoreSync;
  readonly bopis: BopisService;
  readonly pos: PosService;
  /** The delivery desk: what leaves from this store, handed to drivers offline too. */
  readonly delivery: DeliveryService;
  /** Booking at the store: the kiosk books walk-ins through the hub; the door checks tickets offline. */
  readonly booking: BookingService;
  /** Keeps the catalog at the hub's version (absent without a hub). */
  readonly catalog: CatalogPuller | undefined;
  /** Keeps the store's copy of the hub's tags, for filtering the kiosk and handheld by tag offline. */
  readonly tags: TagsPuller;
  /** Keeps the store's copy of products' ratings and top reviews (issue #24), pulled from the hub on its notices. */
  readonly reviews: ReviewsPuller;
  /** The store's copy of price books, promotions, signing keys and used coupons (issue #25): prices offline. */
  readonly pricing: StorePricing;
  /** Scan & Go at the door (issue #25): exit tokens checked offline; paid baskets recorded as sales. */
  readonly scanGo: ScanGoDoor;
  /** The documents this store's staff may read (issue #22), readable offline once on this device. */
  readonly vault: StoreVaultService;
  /** The releases this store runs (issue #23), pulled from the hub's registry and checked; a cache for its devices. */
  readonly releases: StoreReleases;
  readonly terminal: PaymentTerminal;
  /** Staff sign-in at the lanes and managers' approvals (issue #27), offline on the roster from the feed. */
  readonly staff: StaffDesk;
  readonly devices: DeviceManager;
  /** Heavy work off the event loop (RFID reconciliation, reports), started on first use. */
  readonly executor: StoreExecutor;
  /** Handhelds and LAN kiosks paired with this node (a code from a trusted screen → a device token). */
  readonly pairing: PairingService;
  /** The first answers to keyed writes (`Idempotency-Key`), per caller. */
  readonly idempotencyKeys: SqliteIdempotencyKeys;
  /**
   * What the hourly timer does: prunes acknowledged outbox events past retention and Idempotency-Keys past a day, then
   * gives the freed pages back to the disk (files made with incremental auto-vacuum; see `openSqlite`); voids open
   * baskets left untouched past `basketExpiryMinutes` and asks again about card refunds left waiting (resolves when the
   * card terminal has answered; the rest is done when it returns).
   */
  housekeeping(): Promise<void>;
  readonly url: string | undefined;
  start(): Promise<string>;
  /** Stops listening and closes the SQLite file (a checkpoint of the WAL). Safe to call twice. */
  stop(): Promise<void>;
}

export function createStoreNode(config: StoreNodeConfig = {}): StoreNode {
  const now = config.now ?? Date.now;
  const basketExpiryMs = basketExpiryMinutes(config.basketExpiryMinutes) * 60_000; // checked before anything opens
  const till = tillSettings(config);
  const log = createLogger('store-node', config.logLevel);
  const card = chooseTerminal(config); // a bad mode stops the node before anything opens
  if (card.warning) log.warn({ cardTerminal: card.inUse }, `EXTERNAL PARTY: ${card.warning}`);
  const metrics = createRegistry('storefleet_store_');
  const dbPath = config.dbPath ?? './data/store/store.sqlite';
  const db = openSqlite(dbPath);
  try {
    const applied = migrateSqlite(db, loadSqliteMigrations(storeMigrationSources));
    if (applied.length) log.info({ applied }, 'migrations applied');
  } catch (err) {
    db.close();
    throw err;
  }
  const hubLink = new HubLink(config.hub, log, now);
  if (config.hub) {
    db.prepare(
      `INSERT INTO node_meta (key, value, updated_at) VALUES ('store_id', ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    ).run(config.hub.storeId, now());
  }
  const storeId =
    (db.prepare("SELECT value FROM node_meta WHERE key = 'store_id'").get() as { value: string } | undefined)?.value ??
    null;

  const sync = new StoreSync(
    db,
    storeId ?? 'unregistered',
    config.hub ? { url: config.hub.url, link: hubLink } : undefined,
    log,
    now,
    config.sync,
  );
  sync.bootstrap?.sinks.set('catalog', upsertCatalog);
  sync.bootstrap?.sinks.set('stock', applyStockSnapshot);
  const hubGet = config.hub
    ? hubGetter(
        config.hub.url,
        () => hubLink.token(),
        10_000,
        (t, why) => hubLink.refused(t, why),
        hubLink.fetch, // pinned to the hub's CA when HUB_CA_FILE is set (issue #27)
      )
    : undefined;
  const catalog = hubGet ? new CatalogPuller(db, hubGet, log) : undefined;
  sync.feedHandlers.register('catalog.changed', (_db, entry) => {
    const { version } = parseEventPayload('catalog.changed', entry.payload); // checked even with no hub to pull from
    catalog?.noticed(version);
  });
  const tags = new TagsPuller(db, hubGet, log, now);
  registerTagsFeed(sync.feedHandlers, tags);
  sync.bootstrap?.sinks.set('tags', tagsSink(tags)); // a new disk's cold start gets the tags with the catalog
  const recs = new StoreRecsService(new StoreRecsRepository(db), sync, new KioskBrowsing(now), now);
  registerRecsFeed(sync.feedHandlers, recs);
  // Products' ratings and top reviews (issue #24): a `reviews.changed` notice, then a pull of what changed since the
  // copy's revision (at start, every so often, with backoff while the hub is away); a cold start's section from 0.
  const reviewsPuller = new ReviewsPuller(db, hubGet, log, now);
  const reviews = reviewsPuller.repo;
  registerReviewsFeed(sync.feedHandlers, reviewsPuller);
  sync.bootstrap?.sinks.set('reviews', reviewsSink(reviews, log, now));
  // The documents this store's staff may read (issue #22): their content cached beside the database, by document id.
  const vault = new StoreVaultService(
    new StoreVaultRepository(db),
    new VaultCache(vaultCacheDir(dbPath)),
    sync,
    config.hub
      ? vaultHubFetcher(
          config.hub.url,
          () => hubLink.token(),
          (t, why) => hubLink.refused(t, why),
          undefined,
          hubLink.fetch,
        )
      : undefined,
    log,
    now,
    { online: () => sync.status().phase === 'syncing' },
  );
  registerVaultFeed(sync.feedHandlers, vault);
  const releases = new StoreReleases(
    new StoreReleaseRepository(db),
    new RegistryBlobCache(registryDir(dbPath)),
    sync,
    config.hub
      ? hubRegistryGetter(
          config.hub.url,
          () => hubLink.token(),
          (t, why) => hubLink.refused(t, why),
          undefined,
          hubLink.fetch,
        )
      : undefined,
    log,
    now,
  );
  registerRegistryFeed(sync.feedHandlers, releases);
  // The store's code and zone, resolved once for the till and the pickup desk: config, else the hub's registry.
  const profile = new StoreProfile(db, { storeCode: config.storeCode, timeZone: config.timeZone }, now);
  const deliveries = new DeliveryRepository(db);
  const bopis = new BopisService(db, sync, storeId ?? 'unregistered', now, profile, (id) =>
    deliveries.orderLeavingBy(id),
  );
  const delivery = new DeliveryService(deliveries, sync, bopis, now, profile, log);
  registerDeliveryFeed(sync.feedHandlers, delivery);
  // A new disk's cold start, and after a feed skip, gets the deliveries its desk shows (before the holds: the hub
  // sends them first, so the pickup desk knows which holds leave by delivery).
  sync.bootstrap?.sinks.set('deliveries', deliveriesSink(deliveries, log));
  sync.bootstrap?.afterFeedSkip.add('deliveries');
  const booking = new BookingService(
    new BookingRepository(db),
    sync,
    storeId ?? 'unregistered',
    config.hub
      ? bookingHubCaller(
          config.hub.url,
          () => hubLink.token(),
          10_000,
          (t, why) => hubLink.refused(t, why),
          hubLink.fetch,
        )
      : undefined,
    now,
    profile,
    log,
  );
  registerBookingFeed(sync.feedHandlers, booking);
  // A new disk's cold start, and after a feed skip: the shows this store runs and their cancelled bookings.
  sync.bootstrap?.sinks.set('booking', bookingSink(booking));
  sync.bootstrap?.afterFeedSkip.add('booking');
  sync.feedHandlers.register('reservation.changed', (_db, entry) => bopis.applyFeed(entry));
  sync.bootstrap?.sinks.set('holds', holdsSink(bopis, log));
  sync.bootstrap?.afterFeedSkip.add('holds'); // the holds whose feed entries retention removed
  sync.feedHandlers.register('reservation.snapshot', (_db, entry) => {
    const ended = bopis.applySnapshot(entry);
    if (ended)
      log.warn(
        { ended, seq: entry.seq },
        'ended holds the hub no longer holds (its feed was rebased after a hub restore)',
      );
  });
  sync.feedHandlers.register('order.checked-in', (_db, entry) => {
    const p = parseEventPayload('order.checked-in', entry.payload);
    if (!bopis.repo.checkIn(p.reservationId, p.orderId, p.parkingSpot, p.at))
      log.warn({ orderId: p.orderId }, 'a curbside arrival for a hold this store does not know');
  });
  const terminal = card.terminal;
  const stock = new StockLedger(db);
  // Prices, promotions and coupons (issue #25): a `pricing.changed` notice, then a pull of what changed since the
  // copy's revision (at start, every so often, with backoff while the hub is away); a cold start's section from 0.
  const pricing = new StorePricing(db, hubGet, log, now, {
    storeId: storeId ?? null,
    currency: config.currency ?? 'USD',
    taxRatesPpm: config.taxRatesPpm ?? DEFAULT_TAX_RATES_PPM,
  });
  registerPricingFeed(sync.feedHandlers, pricing);
  sync.bootstrap?.sinks.set('pricing', pricingSink(pricing));
  const scanGo = new ScanGoDoor(db, sync, pricing, stock, log, now, storeId ?? null);
  registerScanGoFeed(sync.feedHandlers, scanGo);
  // Staff at the lanes (issue #27): the roster from the hub's feed (a cold start's `staff` section too), PINs checked
  // here offline; the gate the POS routes ask for a person and for a manager's approval.
  const staffRoster = new StoreStaffRoster(db, now);
  registerStaffFeed(sync.feedHandlers, staffRoster);
  sync.bootstrap?.sinks.set('staff', staffSink(staffRoster));
  const staffGate = new StaffDesk(db, sync, staffRoster, config.staffSignIn ?? 'auto', now);
  const suggestions = new ReorderSuggestions(db);
  suggestions.register(sync.feedHandlers);
  const pos = new PosService(
    db,
    sync,
    terminal,
    config.taxRatesPpm ?? DEFAULT_TAX_RATES_PPM,
    config.currency ?? 'USD',
    config.name ?? 'Storefleet store',
    now,
    pricing,
    { ...till, profile },
  );
  const executor = new StoreExecutor(config.executor ?? {}, metrics);
  const devices = new DeviceManager(
    config.devices ?? [],
    new RfidCycleCounter(db, executor, sync, stock, log, now, config.rfid),
    log,
    now,
  );
  registerDeviceMetrics(metrics, devices);
  const syncGauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name: `storefleet_store_sync_${name}`,
      help,
      registers: [metrics],
      collect() {
        this.set(read());
      },
    });
  syncGauge('connected', '1 while syncing with the hub', () => (sync.status().phase === 'syncing' ? 1 : 0));
  syncGauge('pending_up_events', 'outbox events the hub has not acknowledged', () => sync.status().pendingUp);
  syncGauge('feed_lag_entries', 'feed entries announced by the hub and not yet applied here', () => {
    const s = sync.status();
    return s.feedHead - s.feedCursor;
  });
  new Gauge({
    name: 'storefleet_store_hub_link_up',
    help: '1 when the hub accepts this store credential, 0 otherwise',
    registers: [metrics],
    collect() {
      this.set(hubLink.state === 'connected' ? 1 : 0);
    },
  });

  const pairing = new PairingService(db, now);
  const idempotencyKeys = new SqliteIdempotencyKeys(db);
  const trusted = new Set(config.trustedAddresses ?? LOOPBACK);
  const app = express();
  app.disable('x-powered-by');
  app.use(
    pinoHttp({
      logger: log,
      serializers: REQUEST_LOG_SERIALIZERS,
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
    }),
  );
  app.use(httpMetrics(metrics, 'storefleet_store_'));
  app.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', STORE_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  // Only requests naming this node (no DNS rebinding), and writes only from its own pages (no cross-site posts).
  app.use(siteGuard(config.hostnames));
  // Decides once who calls (lane, kiosk, handheld, unpaired device) and refuses what that role may not reach.
  app.use(screenGuard(pairing, trusted, config.loopbackRole ?? 'lane', till.lane));
  app.get('/healthz', storeApiDoc(HEALTH_DOC), (_req, res) => {
    db.prepare('SELECT 1').get();
    // While the last write failed for lack of space the node cannot record a sale: not ok, and why (until one succeeds).
    const disk = sync.disk.current;
    const brief = {
      status: disk.full ? 'disk-full' : 'ok',
      ...(disk.full ? { reason: STORE_DISK_FULL, diskFullSince: disk.at } : {}),
      name: config.name ?? null,
      online: hubLink.state === 'connected',
    };
    if (disk.full) res.status(503);
    // A kiosk and an unpaired device learn only that the node is up and whether the hub is reachable; the hub link's
    // error text (addresses, credentials' fate) and the store id are for staff screens.
    const { role } = callerOf(res);
    if (role === 'kiosk' || role === 'unpaired') return void res.json(brief);
    res.json({
      ...brief,
      storeId,
      screen: role, // which staff screen this is: a POS or pickup screen's pages link only to their own page
      hub: { state: hubLink.state, error: hubLink.lastError ?? null },
      cardTerminal: card.inUse,
      ...(card.warning ? { warning: card.warning } : {}),
    });
  });
  app.get('/metrics', storeApiDoc(METRICS_DOC), metricsRoute(metrics));
  // The node's OpenAPI document and docs page (issue #26), built from the routes declared here.
  app.use(storeOpenApiRoutes(app));
  const api = express.Router();
  api.use(markRoutePrefix);
  api.use(requireJsonBody);
  api.use(express.json({ limit: '256kb' }));
  api.use(refuseBadText);
  api.use(idempotency(idempotencyKeys, (res) => callerOf(res).scope, log, now));
  api.use(pairingRoutes(pairing));
  api.get('/sync/status', storeApiDoc(SYNC_STATUS_DOC), (_req, res) => {
    res.json({
      storeId,
      ...sync.status(),
      parkedFeed: sync.storage.parkedFeed().length,
      bootstrap: sync.bootstrap?.progress() ?? null,
      catalog: catalog?.status() ?? null,
    });
  });
  api.use(parkedFeedRoutes(sync, (res) => callerOf(res).scope));
  api.use(bopisRoutes(bopis));
  api.use(staffRoutes(staffGate, () => profile.timeZone));
  api.use(deliveryRoutes(delivery));
  api.use(bookingRoutes(booking));
  api.use(
    posRoutes(pos, (receipt, barcode) => devices.print(receipt, barcode), staffGate, {
      refundApprovalOverMinor: config.refundApprovalOverMinor,
      openDrawer: () => devices.openDrawer(),
    }),
  );
  api.use(deviceRoutes(devices, new DeviceLabels(db, now), (sku) => pos.repo.product(sku, undefined)?.name));
  api.use(reportRoutes(executor, dbPath, now));
  const kioskCarts = new KioskCarts(sync, pos.repo, stock, storeId ?? 'unregistered', now, pricing);
  api.use(kioskCartRoutes(kioskCarts));
  const hubCall = config.hub
    ? hubCaller(
        config.hub.url,
        () => hubLink.token(),
        5000,
        (t, why) => hubLink.refused(t, why),
        { fetch: hubLink.fetch },
      )
    : undefined;
  const productName = (sku: string) => pos.repo.product(sku, undefined)?.name ?? sku;
  const kioskSessions = new KioskCartSessions(hubCall, kioskCarts, storeId ?? 'unregistered', productName, now);
  api.use(kioskCartSessionRoutes(kioskSessions));
  api.use(stockRoutes(stock, suggestions, sync, now));
  api.use(catalogRoutes(new ProductSearch(db), storeId, hubGet, now));
  api.use(tagsRoutes(new TagFilter(tags.repo, () => tags.status())));
  api.use(recsRoutes(recs, (req, res) => kioskSessions.customerOf(kioskCartToken(req), callerOf(res).scope)));
  api.use(reviewsRoutes(reviews));
  api.use(pricingRoutes(pricing));
  api.use(scanGoRoutes(scanGo));
  api.use(
    vaultRoutes(vault, (res) => {
      const c = callerOf(res);
      return c.deviceId ? (pairing.list().find((d) => d.id === c.deviceId)?.name ?? c.deviceId) : `${c.role} screen`;
    }),
  );
  api.use(storeReleaseRoutes(releases));
  app.use('/api', api);
  // The OCI API's pull side for the store's devices: release repositories from the node's copy (registry/v2-routes.ts).
  app.use('/v2', registryV2Routes(releases, log));
  // The store's pages (POS lane, kiosk, pickups, handheld): static files calling the API above.
  // Serving the kiosk page marks this browser as a kiosk screen: from then on it reaches only what a kiosk may. Only
  // when it is opened from the node's own pages or by a person (fromOwnPages): a link on another site would otherwise
  // turn a lane's browser into a kiosk (a top-level navigation still gets a SameSite=Strict cookie set). For the
  // browser's session only: a link is not a decision (the start page's confirmed GET /screens/kiosk keeps it 400
  // days), and a screen already marked is left as it is, so a kept marker is never shortened to a session one.
  app.get('/kiosk.html', storeApiDoc(KIOSK_PAGE_DOC), (req, res, next) => {
    if (fromOwnPages(req) && callerOf(res).role === 'lane')
      res.cookie(SCREEN_COOKIE, 'kiosk', sessionMarkerCookie(req));
    next();
  });
  // "Use this screen as …": the back office marks a browser as a POS lane or the pickup desk (access/screen-marker.ts).
  app.use(screenMarkerRoutes());
  // Browsers ask every site for /favicon.ico: the node's icon is an SVG (also at /favicon.svg, from the static files).
  const favicon = fileURLToPath(new URL('./ui/static/favicon.svg', import.meta.url));
  app.get('/favicon.ico', storeApiDoc(FAVICON_DOC), (_req, res) =>
    res.type('image/svg+xml').sendFile(favicon, { maxAge: '1d' }),
  );
  app.use(express.static(fileURLToPath(new URL('./ui/static/', import.meta.url))));
  app.use('/shared', express.static(fileURLToPath(browserAssetsDir), { index: false }));
  app.use(notFoundHandler);
  // A full disk (SQLITE_FULL, ENOSPC) from any route: the store's own words and what to do (507), and /healthz says so.
  const diskFull: ErrorRequestHandler = (err, _req, _res, next) =>
    next(sync.disk.failed(err) ? new DiskFullError(STORE_DISK_FULL, { cause: err }) : err);
  app.use(diskFull);
  app.use(errorHandler(log));

  let server: Server | undefined;
  let url: string | undefined;
  let stopped = false;
  let prune: NodeJS.Timeout | undefined;
  let stopKeyRefresh: (() => void) | undefined;
  let stopTicketKeyRefresh: (() => void) | undefined;
  let stopProfileRefresh: (() => void) | undefined;
  const housekeeping = async () => {
    try {
      // In chunks, letting the lanes' requests in between: one DELETE of a 100,000-event backlog held them ~300 ms.
      const before = now() - (config.outboxRetentionDays ?? 7) * 86_400_000;
      let removed = 0;
      for (;;) {
        const n = sync.storage.pruneAcked(before, PRUNE_CHUNK);
        removed += n;
        if (n < PRUNE_CHUNK) break;
        await yieldToRequests();
        if (stopped) break; // the file is closing: the rest waits for the next start
      }
      if (removed) log.info({ removed }, 'pruned acknowledged outbox events');
    } catch (err) {
      log.warn({ err }, 'outbox pruning failed; will retry');
    }
    try {
      const purged = idempotencyKeys.purgeOlderThan(now() - IDEMPOTENCY_RETENTION_MS);
      if (purged) log.info({ purged }, 'purged Idempotency-Keys older than a day');
    } catch (err) {
      log.warn({ err }, 'purging Idempotency-Keys failed; will retry');
    }
    try {
      const pages = reclaimFreePages(db);
      if (pages) log.info({ pages }, 'gave freed pages of the store file back to the disk');
    } catch (err) {
      log.warn({ err }, 'giving freed pages back to the disk failed; will retry');
    }
    return tillHousekeeping(pos, basketExpiryMs, log); // expires idle baskets; resolves once the card terminal answered
  };
  return {
    app,
    db,
    log,
    metrics,
    hubLink,
    sync,
    bopis,
    pos,
    delivery,
    booking,
    catalog,
    tags,
    reviews: reviewsPuller,
    pricing,
    scanGo,
    vault,
    releases,
    terminal,
    staff: staffGate,
    devices,
    executor,
    pairing,
    idempotencyKeys,
    housekeeping,
    get url() {
      return url;
    },
    async start() {
      server = createServer(app);
      server.on('clientError', answerClientError);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(config.port ?? 8090, config.host ?? '127.0.0.1', resolve);
      });
      const addr = server.address() as AddressInfo;
      url = `http://${addr.address}:${addr.port}`;
      log.info({ url, storeId, dbPath }, 'store node listening');
      // Parked feed entries whose type has a handler now (this node was upgraded, or the cause fixed), before the hub
      // hears this store's parked count again in its first feed-ack.
      await sync
        .replayParkedFeed('start-up')
        .catch((err: unknown) => log.error({ err }, 'replaying the parked feed failed; the entries stay parked'));
      if (stopped) return url;
      sync.start();
      void pos.resumeTenders(); // card tenders a killed process left in flight: the terminal's answer settles them (never throws)
      catalog?.poke(); // a notice received before a restart
      tags.poke(); // the same, a pull a restart cut short, or the first pull of a store that never had tags
      reviewsPuller.start(); // products' ratings changed while the store was down, then a look every so often
      pricing.start(); // prices and promotions changed while the store was down, then a look every so often
      vault.start(); // offline documents not yet on this device
      releases.start(); // releases whose pull a restart cut short, or that failed and are due again
      devices.start();
      if (hubGet) stopKeyRefresh = keepPickupKey(bopis, hubGet, log);
      if (hubGet) stopTicketKeyRefresh = keepTicketKey(booking, hubGet, log);
      if (hubGet && storeId) stopProfileRefresh = keepStoreProfile(pos.till.profile, hubGet, storeId, log);
      prune = setInterval(housekeeping, 3600_000);
      prune.unref();
      return url;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(prune);
      stopKeyRefresh?.();
      stopTicketKeyRefresh?.();
      stopProfileRefresh?.();
      catalog?.stop();
      tags.stop();
      reviewsPuller.stop();
      pricing.stop();
      vault.stop();
      releases.stop();
      await releases.idle();
      await devices.stop();
      await executor.stop();
      sync.stop();
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeIdleConnections();
        });
      }
      db.close();
    },
  };
}
