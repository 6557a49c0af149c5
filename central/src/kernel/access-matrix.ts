import { accessTable, type AccessLine, type AccessRow } from '@storefleet/shared';

/**
 * Who may call what on the hub (issue #13): the hub's own routes here; each module lists its routes in
 * `modules/<name>/access-matrix.ts` (export `accessMatrix`), so a module added later touches nothing outside its folder.
 * `central/tests/authorization-matrix.test.ts` calls every route as every role below and fails for a route that
 * is in no table.
 *
 * The roles: nobody signed in; a head-office ADMIN; the STORE_MANAGER and an ASSOCIATE of store A; store A's own
 * token (its node); store B's token (another store, asking for store A's things); an ASSOCIATE of store B (a person
 * of another store, so a check through the user's storeId is covered too). The fixtures' ids all belong to store A,
 * so `storeB` and `associateB` are "someone else's store". `WS` rows are the WebSocket endpoints (the hub's `/sync`
 * and console socket here, module sockets in their module's table). The policy:
 * - anonymous reaches health, the console's files and sign-in/out/store-token; everything else is 401 (metrics need
 *   an ADMIN or the monitoring's metrics token);
 * - ADMIN reaches every route meant for people (store-token-only routes stay for stores);
 * - store-scoped data (a location, its stock, its reservations, its sync state) is store A's and its users' only;
 * - routes that need ADMIN or a manager stay as they are.
 */
export type HubAccessRole =
  | 'anonymous'
  | 'admin'
  | 'managerA'
  | 'associateA'
  | 'storeA'
  | 'storeB'
  | 'associateB'
  | 'customerA'
  | 'customerB';
/**
 * The two customer columns (issue #26): `customerA` is the fixture's customer whose cart is a pickup at store A,
 * signed in on the web; `customerB` another signed-in customer. Staff routes see a customer as nobody signed in.
 */
export const HUB_ACCESS_ROLES: readonly HubAccessRole[] = [
  'anonymous',
  'admin',
  'managerA',
  'associateA',
  'storeA',
  'storeB',
  'associateB',
  'customerA',
  'customerB',
];
export type HubAccessRow = AccessRow<HubAccessRole>;

/** The columns before customers had sessions: a line with only these gives both customers anonymous's cell. */
const STAFF_COLUMNS = 7;

/**
 * A table of hub rows; columns in `HUB_ACCESS_ROLES` order. A 7-cell line (every table before issue #26) gives the
 * customers what `anonymous` gets, since a customer's session is nobody to a staff route; a 9-cell line sets them.
 */
export const hubAccessTable = (lines: readonly AccessLine[]): HubAccessRow[] =>
  accessTable(
    HUB_ACCESS_ROLES,
    lines.map(([method, path, cells, note]): AccessLine => {
      const words = cells.trim().split(/\s+/);
      const full = words.length === STAFF_COLUMNS ? `${cells} ${words[0]} ${words[0]}` : cells;
      return note === undefined ? [method, path, full] : [method, path, full, note];
    }),
  );

const PUBLIC = 'allow allow allow allow allow allow allow';
const SIGNED_IN = 'deny  allow allow allow allow allow allow';
const ADMIN_ONLY = 'deny  allow deny  deny  deny  deny  deny';
const STORE_A = 'deny  allow allow allow allow deny  deny';
const MANAGER_A = 'deny  allow allow deny  deny  deny  deny';

export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/healthz', PUBLIC],
  ['GET', '/livez', PUBLIC, 'serving, or serving degraded while the database is away (#27): for a load balancer'],
  ['GET', '/tls/ca.pem', PUBLIC, 'the CA stores pin (#27); answers 404: the matrix’s hub serves no TLS'],
  ['GET', '/metrics', ADMIN_ONLY, 'an ADMIN, or the monitoring with the metrics token (config, not a role here)'],
  ['GET', '/', PUBLIC, 'answers 302: a redirect to the console'],
  ['GET', '/favicon.ico', PUBLIC, 'the hub’s icon (an SVG), asked for by every browser'],
  ['GET', '/favicon.svg', PUBLIC],
  ['GET', '/openapi.json', PUBLIC, 'the OpenAPI document describes routes and holds no data'],
  ['GET', '/api-docs', PUBLIC, 'the docs page (Swagger UI served from the hub, on /openapi.json)'],
  ['GET', '/api-docs/:file', PUBLIC, 'the docs page’s script, style sheet and icon; any other name is 404'],
  ['GET', '/graphql', PUBLIC, 'GraphQL (issue #26): each field authorizes its caller as its REST route does'],
  ['POST', '/graphql', PUBLIC, 'GraphQL: a field refused answers an error coded for it, never its data'],
  ['GET', '/console/*', PUBLIC, 'the console’s files hold no data; every call they make needs a sign-in'],
  ['GET', '/shared/*', PUBLIC, 'browser helpers shared by the console and the store pages'],
  ['POST', '/api/auth/login', PUBLIC, 'a stale or foreign credential must not stop a sign-in'],
  ['POST', '/api/auth/logout', PUBLIC],
  ['POST', '/api/auth/store-token', PUBLIC, 'the store’s secret is the credential'],
  ['GET', '/api/auth/me', SIGNED_IN],
  [
    'GET',
    '/api/auth/csrf',
    'deny  allow allow allow deny  deny  allow deny  deny',
    'the CSRF token of the session cookie the request came with (#27); a bearer (store, app) needs none: 401',
  ],
  [
    'POST',
    '/api/auth/store-token/certificate',
    PUBLIC,
    'the TLS client certificate is the credential (#27); answers 404: the matrix’s hub has no client CA',
  ],
  [
    'POST',
    '/api/stores/:id/certificates',
    ADMIN_ONLY,
    'registers a store’s client certificate (#27); answers 404: the matrix’s hub has no client CA (tls-store-certificates.test.ts registers for real)',
  ],
  ['GET', '/api/stores/:id/certificates', ADMIN_ONLY, 'a store’s client certificates and whether it must use one'],
  [
    'DELETE',
    '/api/stores/:id/certificates/:fingerprint',
    ADMIN_ONLY,
    'answers 404: no certificate is registered in the fixture',
  ],
  [
    'PATCH',
    '/api/stores/:id/certificate-policy',
    ADMIN_ONLY,
    'whether the store must present its client certificate (#27)',
  ],
  ['POST', '/api/users', ADMIN_ONLY],
  ['GET', '/api/users', MANAGER_A, 'a manager lists their own store’s associates only (the console’s Staff page)'],
  ['PATCH', '/api/users/:id', ADMIN_ONLY],
  ['POST', '/api/locations', ADMIN_ONLY],
  ['GET', '/api/locations', ADMIN_ONLY],
  ['GET', '/api/locations/:id', STORE_A],
  ['PATCH', '/api/locations/:id', ADMIN_ONLY],
  ['POST', '/api/locations/:id/credential', ADMIN_ONLY],
  ['GET', '/api/sync/lag-history', STORE_A, 'with ?storeId= of store A; the whole fleet’s series is ADMIN only'],
  ['GET', '/api/sync/lag-targets', STORE_A, 'with ?storeId= of store A; every store’s figures are ADMIN only'],
  ['GET', '/api/sync/stores', ADMIN_ONLY],
  ['GET', '/api/sync/stores/:id', STORE_A],
  ['GET', '/api/sync/parked', ADMIN_ONLY],
  [
    'POST',
    '/api/sync/parked/replay',
    ADMIN_ONLY,
    'replays every open parked event of a type after a fix; 200 with how many applied and which failed again',
  ],
  [
    'POST',
    '/api/sync/parked/:storeId/:seq/replay',
    ADMIN_ONLY,
    'store A’s parked event (the fixture parks one); 200 with the outcome, `failed` when it stays parked',
  ],
  [
    'GET',
    '/api/sync/retention',
    ADMIN_ONLY,
    'per table: rows, oldest row, what sweeps archived or removed, archive months that can be detached',
  ],
  ['POST', '/api/sync/retention/run', ADMIN_ONLY, 'starts a retention sweep now: 202, `started` or `already-running`'],
  ['GET', '/api/console/pages', MANAGER_A, 'the pages the caller’s role may open: a manager gets fewer'],
  [
    'GET',
    '/api/workflows/incidents',
    MANAGER_A,
    'what the cross-module flows could not put right, newest first; a manager sees only their store’s',
  ],
  [
    'POST',
    '/api/workflows/incidents/:id/resolve',
    MANAGER_A,
    'resolves the fixture’s incident (store A’s hand-over that reached the hub after the cancel) once; again is 409',
  ],
  [
    'POST',
    '/api/orders/:id/refund',
    MANAGER_A,
    'refunds the fixture’s picked-up, paid order at store A once (its manager may); again is 409',
  ],
  ['GET', '/api/jobs', ADMIN_ONLY, 'the job runner: schedules with their next and latest run, recent runs'],
  ['GET', '/api/jobs/:id', ADMIN_ONLY, 'one job run: state, progress, attempts, last error'],
  [
    'POST',
    '/api/replay/check',
    ADMIN_ONLY,
    'head office runs the replay check (issue #27): 202 with the job that rebuilds stock, holds and orders from their logs',
  ],
  [
    'GET',
    '/api/sync/bootstrap',
    'deny  deny  deny  deny  allow allow deny',
    'a store’s own cold start: store tokens only, each gets its own data',
  ],
  [
    'GET',
    '/api/sync/bootstrap/:section',
    'deny  deny  deny  deny  allow allow deny',
    'a store’s own cold start: store tokens only, each gets its own data',
  ],
  // WebSockets: allow = the upgrade succeeds (101); deny = the upgrade is answered 401/403/404
  [
    'WS',
    '/sync',
    'deny  deny  deny  deny  allow allow deny',
    'store nodes only, each syncing its own data; a person gets 403',
  ],
  ['WS', '/api/console/live', MANAGER_A, 'the console’s live view: a manager hears only their own store'],
  [
    'WS',
    '/automerge',
    'deny  allow allow allow allow allow allow allow allow',
    'automerge-repo clients (issue #26): anyone signed in may connect; each document is then the document rules’ (a customer: their own cart)',
  ],
  [
    'WS',
    '/graphql',
    PUBLIC,
    'GraphQL subscriptions (graphql-ws, issue #26): anyone may connect, as to POST /graphql; each subscription authorizes its caller (a customer: their own cart and orders)',
  ],
]);
