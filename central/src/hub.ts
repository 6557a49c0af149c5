import type { Server } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  createLogger,
  REQUEST_LOG_SERIALIZERS,
  createRegistry,
  errorHandler,
  httpMetrics,
  markRoutePrefix,
  metricsRoute,
  notFoundHandler,
  refuseBadText,
  requireJsonBody,
  answerClientError,
  AppError,
  apiDoc,
  type OpenApiGroup,
} from '@storefleet/shared';
import { newSecret } from './auth/passwords.js';
import { LONGEST_WINDOW_MS } from './auth/rate-limit.js';
import { metricsAccess } from './auth/metrics-access.js';
import { presentedCredential, UnauthorizedError, type StoreId } from '@storefleet/shared';
import type { HubCredentials } from './kernel/credentials.js';
import { SESSION_COOKIE } from './auth/authenticate.js';
import type { HubConfig } from './config.js';
import type { Db } from './db/db.js';
import { openDb } from './db/open-db.js';
import { DatabaseUnreachableError } from './db/db-unreachable.js';
import { loadMigrations, type MigrationSource } from './migrations/load-migrations.js';
import { migrate } from './migrations/migrate.js';
import { StoreFeedParked } from './sync/store-feed-parked.js';
import { Retention } from './sync/retention.js';
import { retentionRoutes } from './sync/retention-routes.js';
import { retentionSettings } from './sync/retention-settings.js';
import { resolveSettings } from './kernel/hub-settings.js';
import { CUSTOMER_SESSIONS, type CustomerSessions } from './kernel/ports/accounts.js';
import { syncRetentionTargets } from './sync/retention-sync-targets.js';
import type { RetentionTarget } from './kernel/retention-target.js';
import { FeedRebase } from './sync/feed-rebase.js';
import { discoverModules } from './kernel/discover-modules.js';
import { graphqlGateway, graphqlRouter } from './kernel/graphql/gateway.js';
import { graphqlSubscriptions, socketAuthentication } from './kernel/graphql/subscriptions.js';
import { hubStores } from './kernel/graphql/hub-stores.js';
import { LiveSessions, SESSIONS_ENDED_CHANNEL } from './kernel/live-sessions.js';
import { JobRunner } from './kernel/jobs/job-runner.js';
import { jobRoutes } from './kernel/jobs/job-routes.js';
import { hubOpenApi } from './kernel/openapi/hub-openapi.js';
import { openApiRoutes } from './kernel/openapi/openapi-routes.js';
import { createHubServer, tlsRoutes, tlsWarning } from './kernel/edge/tls.js';
import { secretRefusedByCertificatePolicy, StoreCertificates } from './auth/store-certificates.js';
import { storeCertificateRoutes } from './auth/store-certificates-routes.js';
import { csrfGuard } from './kernel/edge/csrf.js';
import { RequestLimits } from './kernel/edge/request-limits.js';
import { DegradedMode } from './kernel/edge/degraded.js';
import { adminAuditTrail } from './kernel/edge/admin-audit.js';
import { ADMIN_AUDIT, STAFF_DIRECTORY, STAFF_ROSTER_HOOKS, type AdminAudit } from './kernel/ports/staff.js';
import { staffDirectory } from './auth/staff-directory.js';
import { connectChangeBus } from './sync/fallback-change-bus.js';
import { provide } from './kernel/ports.js';
import { createWorkflows, workflowMigrations, workflowPorts, workflowRoutes } from './workflows/index.js';
import type { HubContext, HubModule } from './kernel/module-contract.js';
import { ServiceRegistry } from './kernel/ports.js';
import { IdempotencyRepository } from './core/idempotency/idempotency-repository.js';
import { FINGERPRINT_SECRET, idempotency } from './core/idempotency/idempotency-middleware.js';
import { FleetRepository, FleetService, fleetMigrations, fleetRoutes } from './fleet/index.js';
import { ModuleSockets, type SocketHandler } from './kernel/module-sockets.js';
import { AutomergeSockets } from './sync/automerge-repo/index.js';
import { ConsoleLive } from './console/console-live.js';
import { consolePagesRoute, consoleStatic } from './console/console-pages.js';
import { AuthRepository, AuthService, StoreTokens, authMigrations, authRoutes, authenticate } from './auth/index.js';
import {
  EventHandlerRegistry,
  FEED_CHANNEL,
  FeedWriter,
  SyncRepository,
  SyncServer,
  SyncStatusRepository,
  registerSyncMetrics,
  syncMigrations,
  syncRoutes,
  DocAccess,
  DocRepository,
  DOC_CHANNEL,
  HubDocs,
  type ChangeBus,
  bootstrapRoutes,
  historySource,
  LagHistory,
  type SnapshotSource,
} from './sync/index.js';

export const coreMigrations = new URL('./core/schema/', import.meta.url);

export interface Hub {
  readonly app: Express;
  readonly db: Db;
  readonly log: Logger;
  readonly metrics: Registry;
  readonly auth: AuthService;
  readonly fleet: FleetService;
  readonly modules: readonly HubModule[];
  readonly sync: {
    readonly repo: SyncRepository;
    readonly feed: FeedWriter;
    readonly docs: HubDocs;
    readonly server: SyncServer | undefined;
  };
  /** Pruning and archiving of the sync and order tables (sweeps hourly; `run` for one now). */
  readonly retention: Retention;
  /** The job runner every sweeper of the hub and its modules runs on (kernel/jobs/). */
  readonly jobs: JobRunner;
  /** Listens and starts module background work; resolves to the base URL. */
  start(): Promise<string>;
  /** Stops listening, stops modules, closes the database. Safe to call twice. */
  stop(): Promise<void>;
  readonly url: string | undefined;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Ended runs of a schedule are kept this long (its latest always), a one-off's for a week. */
const SCHEDULED_RUNS_KEPT_MS = HOUR_MS;

/** The hub's schema folders in the order they apply: its core parts, then each module's. */
export function hubMigrationSources(modules: readonly HubModule[]): MigrationSource[] {
  return [
    { module: 'core', dir: coreMigrations },
    { module: 'fleet', dir: fleetMigrations },
    { module: 'auth', dir: authMigrations },
    { module: 'sync', dir: syncMigrations },
    ...modules.flatMap((m) => (m.migrations ? [{ module: m.name, dir: m.migrations }] : [])),
    { module: 'workflows', dir: workflowMigrations },
  ];
}

/** Opens the database, runs every migration, and builds the HTTP app; `start()` makes it listen. */
export async function createHub(config: HubConfig = {}): Promise<Hub> {
  const now = config.now ?? Date.now;
  const retentionConfig = retentionSettings(config.retention); // bad values stop the hub before it opens anything
  const resolved = resolveSettings(config); // so do these
  const { settings, parties } = resolved;
  const log = createLogger('hub', config.logLevel, config.logDestination);
  for (const warning of resolved.warnings) log.warn({ mode: settings.mode, parties }, `EXTERNAL PARTY: ${warning}`);
  // a production hub off the loopback without TLS, or on the demo CA (issue #27), says so at start and in /healthz
  const tlsWarn = tlsWarning(settings.edge, config.host ?? '127.0.0.1', settings.mode);
  if (tlsWarn) log.warn({ mode: settings.mode }, tlsWarn);
  const warnings = tlsWarn ? [...resolved.warnings, tlsWarn] : resolved.warnings;
  const metrics = createRegistry('storefleet_hub_');
  const modules = config.modules ?? (await discoverModules());
  const db = await openDb(config);
  // Whatever refuses the start from here on (a migration, a port nobody provides, a path claimed twice, NATS away)
  // closes what was opened, so a hub that does not start leaves no connection behind; the first error is the one said.
  const opened: { bus?: ChangeBus } = {};
  try {
    return await assembleHub(
      { config, now, retentionConfig, settings, parties, warnings, log, metrics, modules, db },
      opened,
    );
  } catch (err) {
    await opened.bus?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw err;
  }
}

async function assembleHub(
  o: {
    config: HubConfig;
    now: () => number;
    retentionConfig: ReturnType<typeof retentionSettings>;
    settings: ReturnType<typeof resolveSettings>['settings'];
    parties: ReturnType<typeof resolveSettings>['parties'];
    warnings: ReturnType<typeof resolveSettings>['warnings'];
    log: ReturnType<typeof createLogger>;
    metrics: ReturnType<typeof createRegistry>;
    modules: readonly HubModule[];
    db: Db;
  },
  opened: { bus?: ChangeBus },
): Promise<Hub> {
  const { config, now, retentionConfig, settings, parties, warnings, log, metrics, modules, db } = o;
  const report = await migrate(db, loadMigrations(hubMigrationSources(modules)), { log });
  if (report.applied.length) log.info({ applied: report.applied }, 'migrations applied');

  const authRepo = new AuthRepository(db);
  const sessionIdleSeconds = config.sessionIdleSeconds ?? settings.edge.sessionIdleMinutes * 60;
  if (!(Number.isFinite(sessionIdleSeconds) && sessionIdleSeconds >= 1))
    throw new Error(`sessionIdleSeconds must be a number of seconds, 1 or more; got ${sessionIdleSeconds}`);
  const fleet = new FleetService(new FleetRepository(db), now);
  const tokens = new StoreTokens(await authRepo.secret('store-token-key', newSecret(), now()));
  const auth = new AuthService(
    authRepo,
    fleet,
    tokens,
    {
      sessionTtlSeconds: config.sessionTtlSeconds ?? settings.edge.sessionAbsoluteHours * 3600,
      storeTokenTtlSeconds: config.storeTokenTtlSeconds ?? 3600,
      sessionIdleSeconds,
    },
    now,
  );
  const idempotencyRepo = new IdempotencyRepository(db);
  const fingerprintKey = await authRepo.secret(FINGERPRINT_SECRET, newSecret(), now());
  // NATS when named, Postgres NOTIFY while NATS is away (issue #27: sync/fallback-change-bus.ts)
  const bus: ChangeBus = await connectChangeBus(config.natsUrl, db, log);
  opened.bus = bus;
  const feed = new FeedWriter(now, bus);
  const docAccess = new DocAccess();
  for (const m of modules) for (const [ns, rule] of Object.entries(m.docAccess ?? {})) docAccess.register(ns, rule);
  const docs = new HubDocs(new DocRepository(db, now, bus), docAccess, log);
  // Ports (kernel/ports.ts): each module sees only the ports it declared; every need has one provider, or no start.
  const services = new ServiceRegistry();
  services.provide("the hub's externals", config.externals ?? []);
  services.provide('the hub core', [provide(STAFF_DIRECTORY, staffDirectory(authRepo))]);
  const replica = config.replica ?? `${hostname()}-${process.pid}`;
  const jobs = new JobRunner({ db, now, log, owner: `${replica}-${newSecret().slice(0, 8)}` });
  // The hub's own credentials for modules that authenticate outside `/api` (the registry's `/v2/`, HTTP Basic).
  const credentials: HubCredentials = {
    check: (name, secret, address) => auth.checkCredentials(name, secret, address),
    principalOf: async (headers) => {
      let credential: string | undefined;
      try {
        credential = presentedCredential(headers.authorization, headers.cookie, SESSION_COOKIE);
      } catch {
        throw new UnauthorizedError('session cookie unreadable; sign in again');
      }
      return credential ? auth.principalFor(credential) : undefined;
    },
    current: (principal, expected) => auth.currentPrincipal(principal, expected?.storeCredentialVersion),
  };
  const base = { db, log, metrics, now, feed, docs, settings, credentials, testHooks: config.testHooks ?? {} };
  const contexts = new Map(
    modules.map((m): [HubModule, HubContext] => [
      m,
      { ...base, services: services.servicesFor(`module ${m.name}`, m), jobs: jobs.forOwner(m.name) },
    ]),
  );
  const ctxOf = (m: HubModule): HubContext => contexts.get(m)!;
  for (const m of modules) services.provide(`module ${m.name}`, m.provides?.(ctxOf(m)) ?? []);
  // The flows that cross modules (an order following its hold, a cancel racing a hand-over): see workflows/index.ts.
  const workflows = createWorkflows({
    ...base,
    services: services.servicesFor('the workflows', workflowPorts),
    jobs: jobs.forOwner('workflows'),
  });
  services.provide('the workflows', workflows.provisions);
  services.check();
  auth.hooks.secretRefused = secretRefusedByCertificatePolicy(db, auth, settings.edge); // issue #27: mutual TLS
  // issue #27: a changed console account re-sends its store's roster (modules/staff), when that module is there
  auth.hooks.personChanged = async (userId) => {
    await (
      services.byName(STAFF_ROSTER_HOOKS.name) as { personChanged(id: string): Promise<void> } | undefined
    )?.personChanged(userId);
  };
  const handlers = new EventHandlerRegistry();
  for (const m of modules) {
    for (const [type, handle] of Object.entries(m.eventHandlers?.(ctxOf(m)) ?? {}))
      handlers.register(m.name, type, handle);
  }
  const snapshots = new Map<string, SnapshotSource>();
  for (const m of modules) {
    for (const [section, source] of Object.entries(m.bootstrap?.(ctxOf(m)) ?? {})) {
      if (snapshots.has(section)) throw new Error(`bootstrap section ${section} is provided twice (module ${m.name})`);
      snapshots.set(section, source);
    }
  }
  const socketHandlers = new Map<string, SocketHandler>();
  for (const m of modules) {
    for (const [path, handler] of Object.entries(m.sockets?.(ctxOf(m)) ?? {})) {
      if (!path.startsWith('/api/')) throw new Error(`module ${m.name}: socket paths live under /api/, not ${path}`);
      if (socketHandlers.has(path)) throw new Error(`socket path ${path} is claimed twice (module ${m.name})`);
      socketHandlers.set(path, handler);
    }
  }
  snapshots.set('history', historySource(now));
  const syncRepo = new SyncRepository(
    db,
    handlers,
    now,
    {
      onRetry: (err, attempt) =>
        log.warn({ err, attempt }, 'transient database error while applying store events; retrying the transaction'),
    },
    log,
    new FeedRebase(feed, now),
  );
  const syncStatus = new SyncStatusRepository(db);
  // The hub's sync tables, then each module's that offers a `<module>.retention` (the orders' timelines).
  const retentionTargets = [
    ...syncRetentionTargets,
    ...modules.flatMap((m) => (services.byName(`${m.name}.retention`) as RetentionTarget | undefined) ?? []),
  ];
  const retention = new Retention(db, retentionTargets, retentionConfig, now, log, replica);
  const storeFeedParked = new StoreFeedParked(db, now);
  let syncServer: SyncServer | undefined;
  let automergeSockets: AutomergeSockets | undefined;
  let graphqlSockets: ReturnType<typeof graphqlSubscriptions> | undefined;
  // customers' live sockets (graphql-ws, /automerge), closed when their session ends (a sign-out, a password reset)
  const liveSessions = new LiveSessions(log);
  const lagHistory = new LagHistory(db, now, config.syncLagSampleMs ?? 15_000, log);
  const consoleLive = new ConsoleLive(() => syncStatus.list(), log);
  socketHandlers.set('/api/console/live', consoleLive.handler);
  // a public socket's client address as the HTTP API's req.ip has it (TRUST_PROXY); `app` exists by the first upgrade
  const moduleSockets = new ModuleSockets(auth, socketHandlers, log, (a, i) => app.get('trust proxy fn')(a, i));
  registerSyncMetrics(metrics, syncStatus, syncRepo, () => syncServer);

  // issue #27: the API edge — the degraded mode, request limits, CSRF and the audit of people's writes
  const degraded = new DegradedMode({ db, edge: settings.edge, now, log });
  const requestLimits = new RequestLimits({ db, edge: settings.edge, now, log, replica, metrics });
  const csrf = csrfGuard(settings.edge);
  const auditTrail = adminAuditTrail(() => services.byName(ADMIN_AUDIT.name) as AdminAudit | undefined, log, now);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy ?? false);
  app.use(
    pinoHttp({
      logger: log,
      serializers: REQUEST_LOG_SERIALIZERS,
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/livez' || req.url === '/metrics' },
    }),
  );
  app.use(httpMetrics(metrics, 'storefleet_hub_'));
  // What /openapi.json lists: every router as it is mounted below, each under its module's (or hub part's) name.
  const openApiGroups: OpenApiGroup[] = [{ prefix: '', router: app, tag: 'hub', ownRoutesOnly: true }];
  const documented = <R extends express.Router>(prefix: string, tag: string, router: R): R => {
    openApiGroups.push({ prefix, router, tag });
    return router;
  };
  app.use(
    documented(
      '',
      'docs',
      openApiRoutes(() => hubOpenApi(openApiGroups)),
    ),
  );
  app.get(
    '/healthz',
    apiDoc({
      summary: 'Is the hub up and its database reachable (for load balancers)',
      description:
        'Answers within the health timeout whatever the database does: 503 with the reason when unreachable.',
      tags: ['hub'],
      access: ['public'],
      responses: { 200: 'Up: the database kind, change bus, modules and mode', 503: 'the database is unreachable' },
    }),
    async (_req, res) => {
      // Answers within the bound whatever the database does: a load balancer must hear 503 and why, not wait.
      const healthTimeoutMs = config.healthTimeoutMs ?? 2_000;
      try {
        await degraded.probe(healthTimeoutMs); // the same check the degraded mode leaves by (issue #27)
      } catch (err) {
        const reason = err instanceof DatabaseUnreachableError ? err.reason : 'the database check failed';
        log.warn({ err }, 'health check: database unreachable');
        res
          .status(503)
          .json({ status: 'unavailable', db: db.dialect, reason: `the hub's database is unreachable: ${reason}` });
        return;
      }
      res.json({
        status: 'ok',
        db: db.dialect,
        changeBus: bus.kind,
        modules: modules.map((m) => m.name),
        mode: settings.mode,
        degraded: degraded.status(),
        externalParties: parties,
        warnings,
      });
    },
  );
  // A load balancer that should keep sending reads to a hub whose database is away (its stale availability answers,
  // its store sockets: issue #27) checks this one; /healthz stays 503 then, for alerting and for draining a replica
  // that alone lost the database.
  app.get(
    '/livez',
    apiDoc({
      summary: 'Is the hub serving (200 also while degraded: stale reads, store sockets kept, writes refused)',
      tags: ['hub'],
      access: ['public'],
      responses: { 200: 'Serving: ok, or degraded with since when' },
    }),
    (_req, res) => {
      const degradedNow = degraded.status();
      res.json({ status: degradedNow.degraded ? 'degraded' : 'ok', degraded: degradedNow, changeBus: bus.kind });
    },
  );
  app.get(
    '/metrics',
    apiDoc({
      summary: 'Prometheus metrics (an ADMIN, or the monitoring’s metrics token)',
      tags: ['hub'],
      access: ['admin'],
      responses: { 200: 'text/plain' },
    }),
    metricsAccess(auth, config.metricsToken),
    metricsRoute(metrics),
  );
  // Browsers ask every site for /favicon.ico; the console's pages name none, so both paths give the hub's SVG icon.
  const favicon = fileURLToPath(new URL('./favicon.svg', import.meta.url));
  for (const path of ['/favicon.ico', '/favicon.svg'])
    app.get(
      path,
      apiDoc({
        summary: 'The hub’s icon (an SVG)',
        tags: ['hub'],
        access: ['public'],
        responses: { 200: 'image/svg+xml' },
      }),
      (_req, res) => res.type('image/svg+xml').sendFile(favicon, { maxAge: '1d' }),
    );
  // Routes a module serves at the hub's root with its own authentication and bodies (the registry's `/v2/`).
  const rootPrefixes = new Map<string, string>();
  for (const m of modules) {
    for (const [prefix, router] of Object.entries(m.rootRoutes?.(ctxOf(m)) ?? {})) {
      if (
        !/^\/[a-z0-9][a-z0-9-]*$/.test(prefix) ||
        ['/api', '/console', '/shared', '/healthz', '/metrics', '/graphql'].includes(prefix)
      )
        throw new Error(`module ${m.name}: ${prefix} cannot be a root route prefix`);
      if (rootPrefixes.has(prefix))
        throw new Error(
          `root route prefix ${prefix} is claimed twice (modules ${rootPrefixes.get(prefix)} and ${m.name})`,
        );
      rootPrefixes.set(prefix, m.name);
      // app.use matches its path case-insensitively (`/V2/` would reach the registry): the exact prefix or nothing
      const exact = express.Router();
      exact.use((req, _res, next) => {
        const after = req.originalUrl.charAt(prefix.length);
        next(
          req.originalUrl.startsWith(prefix) && (after === '' || after === '/' || after === '?') ? undefined : 'router',
        );
      });
      exact.use(documented(prefix, m.name, router));
      app.use(prefix, exact);
    }
  }
  app.use(documented('', 'console', consoleStatic(modules)));
  app.use(documented('', 'hub', tlsRoutes(settings.edge)));

  const api = express.Router();
  api.use(markRoutePrefix);
  api.use(degraded.before); // while the database is away: stale reads or 503, before anything touches it
  // A module's file uploads (HubModule.streamedBodies) reach their route as a stream: no JSON parser, no type check.
  const streamed = modules.flatMap((m) => m.streamedBodies ?? []);
  const unlessStreamed =
    (mw: express.RequestHandler): express.RequestHandler =>
    (req, res, next) =>
      streamed.some((s) => s.method === req.method && s.path.test(req.path)) ? next() : mw(req, res, next);
  api.use(unlessStreamed(requireJsonBody));
  api.use(unlessStreamed(express.json({ limit: config.bodyLimit ?? '1mb' })));
  api.use(refuseBadText);
  // one authentication and one Idempotency-Key handling for /api and /graphql, so both answer a request alike
  // refused credentials count against the address's budget, and past it are refused 429 before authentication
  const authenticateRequest = requestLimits.guardAuthentication(
    authenticate(auth, () => services.byName(CUSTOMER_SESSIONS.name) as CustomerSessions | undefined),
  );
  const idempotentWrites = idempotency(idempotencyRepo, fingerprintKey, log, now);
  // after authentication, in this order: the caller's request limit, CSRF, the audit trail, the stale-read memory
  const edgeChecks: express.RequestHandler[] = [requestLimits.middleware, csrf, auditTrail, degraded.remember];
  api.use(authenticateRequest);
  api.use(...edgeChecks);
  api.use(idempotentWrites);
  api.use(documented('/api', 'auth', authRoutes(auth)));
  api.use(documented('/api', 'auth', storeCertificateRoutes(new StoreCertificates(db, auth, settings.edge))));
  api.use(documented('/api', 'fleet', fleetRoutes(fleet)));
  api.use(documented('/api', 'sync', syncRoutes(syncStatus, lagHistory, now, syncRepo.replay)));
  api.use(documented('/api', 'sync', retentionRoutes(retention)));
  api.use(documented('/api', 'console', consolePagesRoute(modules)));
  api.use(documented('/api', 'sync', bootstrapRoutes(db, snapshots)));
  for (const m of modules) if (m.routes) api.use(documented('/api', m.name, m.routes(ctxOf(m))));
  api.use(documented('/api', 'workflows', workflowRoutes(db, now, workflows.orders)));
  api.use(documented('/api', 'jobs', jobRoutes(jobs.repo)));
  app.use('/api', api);
  // GraphQL (issue #26): the same parsing, checks, authentication and Idempotency-Key handling as /api.
  const graphql = graphqlGateway({
    contributions: [hubStores(db), ...modules.flatMap((m) => m.graphql?.(ctxOf(m)) ?? [])],
    log,
    metrics,
    now,
    maxDepth: settings.tuning.graphqlMaxDepth,
    maxCost: settings.tuning.graphqlMaxCost,
  });
  app.use(
    '/graphql',
    documented(
      '/graphql',
      'graphql',
      graphqlRouter(graphql, {
        requireJson: requireJsonBody,
        text: refuseBadText,
        // one handler running the degraded mode's check, authentication and the edge's checks in order
        auth: express.Router().use(degraded.graphqlBefore, authenticateRequest, ...edgeChecks),
        idempotency: idempotentWrites,
      }),
    ),
  );
  app.use(notFoundHandler);
  app.use(degraded.noticeErrors); // a database error on any request makes the degraded mode check at once
  app.use(errorHandler(log));

  let server: Server | undefined;
  let url: string | undefined;
  let stopped = false;
  let unlisten: (() => Promise<void>) | undefined;

  // The hub's own sweeps, on the job runner like the modules' (one run per period across hub processes).
  jobs.define({
    name: 'hub.housekeeping',
    run: async () => {
      await idempotencyRepo.purgeOlderThan(now() - DAY_MS);
      await authRepo.purgeExpired(now(), now() - LONGEST_WINDOW_MS, sessionIdleSeconds * 1000);
    },
  });
  jobs.define({
    name: 'jobs.prune',
    run: async () => void (await jobs.repo.prune(now() - SCHEDULED_RUNS_KEPT_MS, now() - 7 * DAY_MS)),
  });
  // A sweep's own records, lock and progress stay the retention's (sync/retention.ts); the runner times it.
  jobs.define({
    name: 'sync.retention',
    leaseMs: 5 * 60_000,
    run: async (job) => {
      await retention.run('schedule', {
        signal: job.signal,
        onBatch: (p) =>
          void job
            .progress(p.moved, p.due || null, `${p.table}: ${p.moved} rows moved`)
            .catch((err: unknown) => log.warn({ err }, 'could not record retention progress')),
      });
    },
  });
  const scheduleHubJobs = async () => {
    await jobs.schedule('hub.housekeeping', { everyMs: HOUR_MS });
    await jobs.schedule('jobs.prune', { everyMs: 10 * 60_000, jitter: 0.2 });
    if (retentionConfig.everyMinutes > 0)
      await jobs.schedule('sync.retention', { everyMs: retentionConfig.everyMinutes * 60_000, jitter: 0.2 });
    else await jobs.unschedule('sync.retention'); // turned off: a row left from before would show a next run
  };

  return {
    app,
    db,
    log,
    metrics,
    auth,
    fleet,
    modules,
    retention,
    jobs,
    get sync() {
      return { repo: syncRepo, feed, docs, server: syncServer };
    },
    get url() {
      return url;
    },
    async start() {
      for (const m of modules) await m.start?.(ctxOf(m));
      await workflows.start();
      await scheduleHubJobs();
      jobs.start();
      requestLimits.start();
      degraded.start();
      const listener = await createHubServer(app, settings.edge, { mode: settings.mode, log });
      server = listener.server;
      // A whole request may take up to an hour to arrive (node's default cuts at 5 min): a vault upload of 1 GB over a
      // store's slow link. Headers still have to arrive within node's 60 s, so a slow-header client is cut as before.
      server.requestTimeout = 3_600_000;
      server.on('clientError', answerClientError);
      await syncRepo.resetReplica(replica);
      syncServer = new SyncServer(auth, syncRepo, log, {
        replica,
        now,
        protocol: config.syncProtocol,
        heartbeatMs: config.syncHeartbeatMs,
        feedCheckMs: config.syncFeedCheckMs,
        onDocSync: (storeId, docId, data, session) => {
          const send = (id: string, d: string) => session.sendDoc(id, d);
          docs
            .fromPeer(`store:${storeId}`, { kind: 'store', storeId: storeId as StoreId }, send, docId, data)
            .catch((err: unknown) => {
              // The store hears why (its connection stays open); our own failures say nothing internal.
              const detail =
                err instanceof AppError
                  ? err.message
                  : `the hub could not process the sync of document ${docId}; try again later`;
              log.warn({ err, storeId, docId }, 'document sync refused or failed');
              session.sendDocError(docId, detail);
            });
        },
        onSessionClosed: (storeId) => docs.peerGone(`store:${storeId}`),
        onFeedParked: (storeId, parked) => storeFeedParked.record(storeId, parked),
        onStoreStatus: (storeId, status) => syncStatus.recordDisk(storeId, status.disk, now()),
      });
      syncServer.attach(server);
      moduleSockets.attach(server);
      // automerge-repo clients (web and app carts) sync through the same documents as the stores (issue #26).
      automergeSockets = new AutomergeSockets(
        docs,
        auth,
        () => services.byName(CUSTOMER_SESSIONS.name) as CustomerSessions | undefined,
        log,
        now,
        `storefleet-hub-${replica}`,
        { live: liveSessions },
      );
      automergeSockets.attach(server);
      // GraphQL subscriptions (graphql-ws) on /graphql's upgrade: the HTTP endpoint's schema, limits and callers.
      graphqlSockets = graphqlSubscriptions({
        schema: graphql.schema,
        authenticate: socketAuthentication({
          principalFor: (credential) => auth.principalFor(credential),
          customers: () => services.byName(CUSTOMER_SESSIONS.name) as CustomerSessions | undefined,
          sessionCookie: SESSION_COOKIE,
        }),
        log,
        now,
        maxDepth: settings.tuning.graphqlMaxDepth,
        maxCost: settings.tuning.graphqlMaxCost,
        live: liveSessions,
      });
      graphqlSockets.attach(server);
      // an ended session's announcement (modules/accounts) closes its sockets at once; the timer catches one unheard
      const unlistenSessions = await db.listen(SESSIONS_ENDED_CHANNEL, (payload) => liveSessions.heard(payload));
      liveSessions.start(config.sessionRecheckMs);
      const fanOut = syncServer;
      const unlistenFeed = await bus.subscribe(FEED_CHANNEL, (storeId) => {
        fanOut.feedChanged(storeId);
        consoleLive.storeChanged(storeId);
      });
      lagHistory.start();
      const unlistenDocs = await bus.subscribe(DOC_CHANNEL, (docId) => {
        docs.changedElsewhere(docId).catch((err: unknown) => log.warn({ err, docId }, 'could not refresh a document'));
      });
      unlisten = async () => {
        await unlistenFeed();
        await unlistenDocs();
        await unlistenSessions();
      };
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(config.port ?? 8080, config.host ?? '127.0.0.1', resolve);
      });
      const addr = server.address() as AddressInfo;
      url = `${listener.scheme}://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
      log.info({ url, db: db.dialect }, 'hub listening');
      return url;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await jobs.stop();
      await requestLimits.stop();
      degraded.stop();
      await workflows.stop();
      await retention.stop();
      await unlisten?.();
      liveSessions.stop();
      lagHistory.stop();
      consoleLive.close();
      await syncServer?.close();
      await moduleSockets.close();
      await automergeSockets?.close();
      await graphqlSockets?.close();
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeIdleConnections();
        });
      }
      for (const m of [...modules].reverse()) await m.stop?.(ctxOf(m));
      await bus.close();
      await db.close();
    },
  };
}
