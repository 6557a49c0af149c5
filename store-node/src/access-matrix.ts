import { accessTable, type AccessLine, type AccessRow } from '@storefleet/shared';

/**
 * Who may call what on the store node (issue #13); `store-node/tests/authorization-matrix.test.ts` calls every route
 * and page as every role and fails for a route or page that is not here. The roles:
 * - `lane`: one of the node's own screens (a trusted address, loopback by default) without the kiosk marker: all;
 * - `kiosk`: a trusted screen carrying the cookie `sf_screen=kiosk` (set whenever the node serves /kiosk.html, and
 *   by the Electron shell for a kiosk window), or a LAN device paired with a code of role "kiosk": the kiosk page,
 *   its assets and the customer-facing API (catalog, stock at nearby stores, the kiosk cart); staff pages and staff
 *   APIs answer 403 (a staff sign-in on shared screens is issue #27);
 * - `pos` / `pickup`: a trusted screen marked for one job (`sf_screen=pos|pickup`: the Electron shell's
 *   `--page=pos|pickup`, or the start page's "Use this screen as …"): its page, its assets and the API that page calls
 *   (the lists below); everything else 403. The unmarked `lane` stays the back office;
 * - `handheld`: a LAN device paired with a handheld code: everything but minting pairing codes and unpairing;
 * - `unpaired`: a LAN device without a token: health, the static pages (they hold no data) and pairing only (401).
 */
export type StoreAccessRole = 'lane' | 'kiosk' | 'pos' | 'pickup' | 'handheld' | 'unpaired';
export const STORE_ACCESS_ROLES: readonly StoreAccessRole[] = [
  'lane',
  'kiosk',
  'pos',
  'pickup',
  'handheld',
  'unpaired',
];
export type StoreAccessRow = AccessRow<StoreAccessRole>;

/** The rows' cell text names these four; the two single-job screens' cells come from the lists below. */
const CELL_ROLES = ['lane', 'kiosk', 'handheld', 'unpaired'] as const;

/** What a POS screen may call besides every staff screen's basics: its page and the sale API; nothing else. */
const POS_SCREEN = [
  'GET /pos.html',
  'GET /pos.js',
  'GET /staff-lane.js',
  'GET /staff-lane.css',
  'GET /api/staff/me',
  'POST /api/staff/sign-in',
  'POST /api/staff/sign-out',
  'POST /api/staff/approvals',
  'GET /api/pos/lane',
  'POST /api/pos/sales',
  'GET /api/pos/sales/:id',
  'POST /api/pos/sales/:id/lines',
  'PUT /api/pos/sales/:id/lines/:sku',
  'PUT /api/pos/sales/:id/customer-card',
  'DELETE /api/pos/sales/:id/customer-card',
  'POST /api/pos/sales/:id/tender',
  'POST /api/pos/sales/:id/void',
  'POST /api/pos/sales/:id/returns',
  'PUT /api/pos/sales/:id/coupons',
  'POST /api/pos/sales/:id/lines/:sku/price-override',
  'POST /api/pos/drawer/open',
  'GET /api/catalog/products',
  'GET /api/catalog/products/:sku',
  'POST /api/pricing/price',
  'GET /api/pricing/skus/:sku',
  'POST /api/pricing/coupons/check',
];
/** What a pickup-desk screen may call besides the basics: its page and the pickup API, the delivery desk and its API. */
const PICKUP_SCREEN = [
  'GET /pickup.html',
  'GET /pickup.js',
  'GET /api/bopis/pickups',
  'POST /api/bopis/pickups/verify',
  'POST /api/bopis/pickups/:id/verify-code',
  'POST /api/bopis/pickups/:id/hand-over',
  'POST /api/bopis/pickups/:id/no-show',
  'GET /delivery.html',
  'GET /delivery.js',
  'GET /api/delivery',
  'GET /api/delivery/:id',
  'POST /api/delivery/:id/hand-to-driver',
  'GET /door.html',
  'GET /door.js',
  'POST /api/booking/door/check',
  'GET /api/booking/door/admissions',
  'GET /scan-go-door.html',
  'GET /scan-go-door.js',
  'GET /scan-go-door.css',
  'POST /api/scan-go/exit',
  'POST /api/scan-go/exits/:sessionId/audit',
  'GET /api/scan-go/exits',
];
/** Every staff screen's page needs these: health, the shared stylesheet, script and browser helpers, the icon, sync. */
const SCREEN_BASICS = [
  'GET /healthz',
  'GET /store.css',
  'GET /store.js',
  'GET /favicon.ico',
  'GET /favicon.svg',
  'GET /shared/*',
  'GET /api/sync/status',
  'GET /api/pricing/status',
];

const table = (lines: readonly AccessLine[]): StoreAccessRow[] => {
  // A misspelt entry leaves its row at deny, which the matrix test reports against the node's answer (allow).
  const pos = new Set([...SCREEN_BASICS, ...POS_SCREEN]);
  const pickup = new Set([...SCREEN_BASICS, ...PICKUP_SCREEN]);
  return accessTable(CELL_ROLES, lines).map((r) => {
    const k = `${r.method} ${r.path}`;
    return {
      ...r,
      cells: { ...r.cells, pos: pos.has(k) ? 'allow' : 'deny', pickup: pickup.has(k) ? 'allow' : 'deny' },
    };
  });
};

const EVERYONE = 'allow allow allow allow';
const STAFF = 'allow deny  allow deny';
const CUSTOMER = 'allow allow allow deny';
const STAFF_PAGE = 'allow deny  allow allow';

export const accessMatrix: StoreAccessRow[] = table([
  //                                                  lane  kiosk hand  unpaired
  ['GET', '/healthz', EVERYONE],
  ['GET', '/metrics', STAFF],
  ['GET', '/openapi.json', EVERYONE, 'the node’s OpenAPI document: it describes routes and holds no data'],
  ['GET', '/api-docs', EVERYONE, 'the docs page (Swagger UI served from the node, on /openapi.json)'],
  ['GET', '/api-docs/:file', EVERYONE, 'the docs page’s script, style sheet and icon; any other name is 404'],
  // pages: static files with no data in them; a kiosk gets only its own (and pairing's)
  ['GET', '/', STAFF_PAGE, 'the staff start page'],
  [
    'GET',
    '/screens/:role',
    'allow deny  deny  deny',
    'answers 303: the back office marks its browser as a POS lane or the pickup desk and goes there',
  ],
  ['GET', '/index.html', STAFF_PAGE],
  ['GET', '/index.js', STAFF_PAGE],
  ['GET', '/screens.js', STAFF_PAGE, 'the start page’s "Use this screen as …"'],
  ['GET', '/pos.html', STAFF_PAGE],
  ['GET', '/pos.js', STAFF_PAGE],
  ['GET', '/staff-lane.js', STAFF_PAGE, 'the POS page’s PIN pad and manager-approval modal (issue #27)'],
  ['GET', '/staff-lane.css', STAFF_PAGE],
  ['GET', '/pickup.html', STAFF_PAGE],
  ['GET', '/pickup.js', STAFF_PAGE],
  ['GET', '/delivery.html', STAFF_PAGE, 'the delivery desk: on the pickup screen and the handheld too'],
  ['GET', '/delivery.js', STAFF_PAGE],
  ['GET', '/handheld.html', STAFF_PAGE],
  ['GET', '/handheld.js', STAFF_PAGE],
  ['GET', '/booking.html', EVERYONE, 'the kiosk’s booking page (walk-in customers); staff screens open it too'],
  ['GET', '/booking.js', EVERYONE],
  ['GET', '/door.html', STAFF_PAGE, 'the door’s ticket check: on the pickup screen and the handheld too'],
  ['GET', '/door.js', STAFF_PAGE],
  [
    'GET',
    '/scan-go-door.html',
    STAFF_PAGE,
    'the Scan & Go door (#25): on the pickup screen and the handheld too; it holds no data',
  ],
  ['GET', '/scan-go-door.js', STAFF_PAGE],
  ['GET', '/scan-go-door.css', STAFF_PAGE],
  ['GET', '/documents.html', STAFF_PAGE, 'the handheld’s documents (issue #22): what this store’s staff may read'],
  ['GET', '/documents.js', STAFF_PAGE],
  ['GET', '/kiosk.html', EVERYONE],
  ['GET', '/kiosk.js', EVERYONE],
  ['GET', '/pair.html', EVERYONE],
  ['GET', '/pair.js', EVERYONE],
  ['GET', '/store.css', EVERYONE],
  ['GET', '/store.js', EVERYONE],
  ['GET', '/tag-filter.js', EVERYONE, 'browse by tag (issue #20): the kiosk’s chips and the handheld’s tag search'],
  ['GET', '/favicon.ico', EVERYONE, 'the node’s icon (an SVG), asked for by every browser'],
  ['GET', '/favicon.svg', EVERYONE],
  ['GET', '/shared/*', EVERYONE, 'browser helpers for every page'],
  // pairing: codes are minted and devices unpaired only on the node's own staff screens
  ['POST', '/api/pairing/codes', 'allow deny  deny  deny', 'trusted staff screens only'],
  [
    'POST',
    '/api/pairing/pair',
    'allow deny  allow allow',
    'open to a device that is not paired yet: the code is the secret',
  ],
  ['GET', '/api/pairing/devices', STAFF],
  ['DELETE', '/api/pairing/devices/:id', 'allow deny  deny  deny', 'trusted staff screens only'],
  ['GET', '/api/sync/status', STAFF],
  ['GET', '/api/sync/parked-feed', STAFF],
  [
    'POST',
    '/api/sync/parked-feed/replay',
    'allow deny  deny  deny',
    'the back-office screens only: a store manager replays after an upgrade or a fix',
  ],
  ['GET', '/api/bopis/pickups', STAFF],
  ['POST', '/api/bopis/pickups/verify', STAFF],
  ['POST', '/api/bopis/pickups/:id/verify-code', STAFF, 'a typed pickup code; a wrong one answers 200 and counts'],
  ['POST', '/api/bopis/pickups/:id/hand-over', STAFF],
  ['POST', '/api/bopis/pickups/:id/no-show', STAFF],
  ['GET', '/api/delivery', STAFF, 'the delivery desk: today’s bags by collector, or a search by order number'],
  ['GET', '/api/delivery/:id', STAFF],
  ['POST', '/api/delivery/:id/hand-to-driver', STAFF, 'offline too: the hold handed over and the event queued'],
  // staff at the lanes (issue #27): sign-in with a PIN and managers' approvals, at a POS screen or the back office only
  ['GET', '/api/staff/me', 'allow deny  deny  deny', 'who is signed in at this lane; a POS screen too'],
  [
    'POST',
    '/api/staff/sign-in',
    'allow deny  deny  deny',
    'a POS screen too; on the matrix’s node no roster: 200 signedIn false, nothing changes',
  ],
  ['POST', '/api/staff/sign-out', 'allow deny  deny  deny', 'a POS screen too; nobody signed in: 200, nothing changes'],
  [
    'POST',
    '/api/staff/approvals',
    'allow deny  deny  deny',
    'a POS screen too; on the matrix’s node no manager: 200 approved false, nothing changes',
  ],
  [
    'GET',
    '/api/staff/audit',
    'allow deny  deny  deny',
    'the back office only: today’s sign-ins, wrong PINs, approvals',
  ],
  ['GET', '/api/pos/lane', STAFF, 'which lane this is and the basket it left open (the POS page on load)'],
  ['POST', '/api/pos/sales', STAFF],
  ['GET', '/api/pos/sales/:id', STAFF],
  ['POST', '/api/pos/sales/:id/lines', STAFF],
  ['PUT', '/api/pos/sales/:id/lines/:sku', STAFF],
  ['PUT', '/api/pos/sales/:id/customer-card', STAFF, 'the customer’s loyalty card at the lane (#21), checked offline'],
  ['DELETE', '/api/pos/sales/:id/customer-card', STAFF],
  ['POST', '/api/pos/sales/:id/tender', STAFF],
  ['POST', '/api/pos/sales/:id/void', STAFF],
  ['POST', '/api/pos/sales/:id/returns', STAFF],
  ['PUT', '/api/pos/sales/:id/coupons', STAFF, 'the coupons on an open basket (#25), each verified offline'],
  [
    'POST',
    '/api/pos/sales/:id/lines/:sku/price-override',
    STAFF,
    'a line’s price set by hand (#27): needs a manager’s approval once the store has staff PINs',
  ],
  [
    'POST',
    '/api/pos/drawer/open',
    STAFF,
    'a no-sale drawer open (#27): needs a manager’s approval once the store has staff PINs; no printer here: opened false',
  ],
  ['GET', '/api/devices', STAFF],
  ['PUT', '/api/devices/:name/label', STAFF, 'staff name devices ("Lane 3 scanner") on the handheld'],
  ['GET', '/api/devices/rfid/report', STAFF],
  ['GET', '/api/devices/scans', STAFF],
  ['GET', '/api/devices/scale', STAFF],
  ['GET', '/api/reports/sales', STAFF],
  ['GET', '/api/stock/low', STAFF],
  ['GET', '/api/stock/reorder-suggestions', STAFF],
  ['GET', '/api/stock/:sku', STAFF],
  ['POST', '/api/stock/movements', STAFF],
  ['POST', '/api/stock/counts', STAFF],
  ['PUT', '/api/stock/:sku/low-stock-at', STAFF],
  // what the kiosk page calls: products, stock at nearby stores, the customer's cart
  ['GET', '/api/catalog/products', CUSTOMER],
  ['GET', '/api/catalog/products/:sku', CUSTOMER],
  [
    'GET',
    '/api/catalog/products/:sku/nearby',
    CUSTOMER,
    'answers 503 on the matrix’s node: it asks the hub, and that node has none',
  ],
  [
    'GET',
    '/api/catalog/featured',
    CUSTOMER,
    'the kiosk home page: featured, best sellers here, the day’s pick by category',
  ],
  // browse by tag (issue #20), from the store's copy of the hub's tags: offline too
  ['GET', '/api/tags', CUSTOMER, 'the tag tree with this store’s product counts and how current the copy is'],
  ['GET', '/api/tags/products', CUSTOMER, 'products by tag query and chosen tags, with facets; a bad query is 422'],
  // recommendations (issue #21), from the store's copy of its top list: offline too
  [
    'GET',
    '/api/recommendations',
    CUSTOMER,
    'bought with the product shown, then popular here, in stock here, re-ranked by the kiosk session’s views',
  ],
  [
    'POST',
    '/api/kiosk/views',
    CUSTOMER,
    'a product the kiosk showed: remembered for the session, queued for the hub once a minute per product',
  ],
  // ratings and reviews (issue #24), from the store's copy of the hub's feed: offline too
  [
    'GET',
    '/api/reviews/:sku',
    CUSTOMER,
    'answers 404 on the matrix’s node: its copy holds no product’s reviews (a product’s summary and top reviews)',
  ],
  // prices (issue #25), from the store's copy of the hub's books, promotions and keys: offline too
  ['GET', '/api/pricing/status', STAFF, 'the copy’s revision, last pull, counts, whether the hub answers'],
  ['POST', '/api/pricing/price', CUSTOMER, 'a priced basket from the store’s copy; unknown product 404'],
  ['GET', '/api/pricing/skus/:sku', CUSTOMER, '404 unless the catalog holds the sku'],
  ['POST', '/api/pricing/coupons/check', STAFF, 'the verdict offline (the POS lane too)'],
  // Scan & Go's door (issue #25): the exit code checked offline; the pickup desk may act as the door
  [
    'POST',
    '/api/scan-go/exit',
    STAFF,
    'answers 503 on the matrix’s node: registered with no hub, it has no store to let anyone out of (else the verdict offline)',
  ],
  [
    'POST',
    '/api/scan-go/exits/:sessionId/audit',
    STAFF,
    'answers 404 on the matrix’s node: nobody went out there (else the associate’s check of an audited bag)',
  ],
  ['GET', '/api/scan-go/exits', STAFF, 'today’s exits at this door'],
  // a cart by customer id: staff screens only; a kiosk opens its customer's cart by card, phone or e-mail (below)
  ['GET', '/api/carts/:customerId', STAFF],
  ['POST', '/api/carts/:customerId/lines', STAFF],
  ['PUT', '/api/carts/:customerId/lines/:sku', STAFF],
  [
    'POST',
    '/api/kiosk/cart',
    CUSTOMER,
    'answers 503 on the matrix’s node: the look-up (card, phone, e-mail) asks the hub, and that node has none',
  ],
  ['GET', '/api/kiosk/cart', CUSTOMER, 'the cart this screen opened; { firstName: null } when none'],
  ['DELETE', '/api/kiosk/cart', CUSTOMER, 'Done: the screen forgets the customer'],
  ['POST', '/api/kiosk/cart/lines', CUSTOMER, 'answers 404 on the matrix’s node: no customer opened a cart there'],
  ['PUT', '/api/kiosk/cart/lines/:sku', CUSTOMER, 'answers 404 on the matrix’s node: no customer opened a cart there'],
  ['PUT', '/api/kiosk/cart/pickup-here', CUSTOMER, 'answers 404 on the matrix’s node: no customer opened a cart there'],
  // booking (issue #19): the kiosk books walk-ins through the hub; the door checks tickets offline
  ['GET', '/api/booking/shows', CUSTOMER, 'this store’s upcoming shows and service slots, from the hub’s feed'],
  [
    'POST',
    '/api/booking/kiosk/holds',
    CUSTOMER,
    'answers 503 on the matrix’s node: holds are the hub’s, and that node has none',
  ],
  [
    'POST',
    '/api/booking/kiosk/holds/:holdId/confirm',
    CUSTOMER,
    'answers 404 on the matrix’s node: a screen reaches only holds placed through the node (a kiosk: its own)',
  ],
  [
    'DELETE',
    '/api/booking/kiosk/holds/:holdId',
    CUSTOMER,
    'answers 404 on the matrix’s node: a screen reaches only holds placed through the node (a kiosk: its own)',
  ],
  ['POST', '/api/booking/door/check', STAFF, 'offline too: the hub’s signature checked with the cached key'],
  ['GET', '/api/booking/door/admissions', STAFF, 'how many were let in for a show, of its capacity'],
  // documents (issue #22): the store's copy of what its staff may read, offline once on this device
  ['GET', '/api/vault/documents', STAFF, 'the documents this store may read, from its feed'],
  [
    'GET',
    '/api/vault/documents/:id/content',
    STAFF,
    'answers 404 on the matrix’s node: it lists no document; each open is audited at the hub',
  ],
  // releases (issue #23): what this store was told to run and runs; the pull-through cache of release repositories
  ['GET', '/api/registry/releases', STAFF, 'the releases from the feed, where the node is with each, what it runs'],
  ['GET', '/v2', STAFF, 'the OCI API version check; an unpaired device gets 401 with a challenge'],
  [
    'GET',
    '/v2/*name/manifests/:reference',
    STAFF,
    'answers 404 on the matrix’s node: no hub, nothing cached (MANIFEST_UNKNOWN); release repositories only',
  ],
  [
    'GET',
    '/v2/*name/blobs/:digest',
    STAFF,
    'answers 404 on the matrix’s node: no hub, nothing cached (BLOB_UNKNOWN); Range too',
  ],
]);
