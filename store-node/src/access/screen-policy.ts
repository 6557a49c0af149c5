/**
 * Who may call what on a store node: the one table of its access rules, as a pure function of the caller's role, the
 * method and the path. `screen-guard.ts` decides the role once per request and applies this.
 *
 *   lane      a trusted address (loopback by default) without a screen marker: the back office, everything.
 *   kiosk     a trusted address carrying `sf_screen=kiosk`, or a LAN device paired with a kiosk code: only the kiosk
 *             page, its assets and the customer-facing API below (KIOSK_ALLOWED); everything else 403.
 *   pos       a trusted screen marked as a POS lane (`sf_screen=pos`: the Electron shell's `--page=pos`, or the start
 *             page's "Use this screen as …"): only the POS page, its assets and the API it calls (POS_ALLOWED).
 *   pickup    a trusted screen marked as the pickup desk (`sf_screen=pickup`): only the pickup page, the delivery
 *             desk (bags leave from the same counter) and their APIs (PICKUP_ALLOWED).
 *   handheld  a LAN device paired with a handheld code: everything except minting pairing codes, unpairing and
 *             replaying parked feed entries (403).
 *   unpaired  a LAN device without a valid token: /healthz, the static pages (they carry no data) and
 *             POST /api/pairing/pair; every other API (and /metrics) 401.
 *
 * A marked screen is least privilege for a shared machine, not a sign-in: anyone at the screen has its role. Staff
 * sign-in with PINs comes with the production-posture issue (#27).
 */
export type ScreenRole = 'lane' | 'kiosk' | 'pos' | 'pickup' | 'handheld' | 'unpaired';
/** The roles a trusted screen can be marked with (`sf_screen=<role>`, or the machine's `loopbackRole`). */
export type MarkedRole = 'kiosk' | 'pos' | 'pickup';
export const MARKED_ROLES: readonly MarkedRole[] = ['kiosk', 'pos', 'pickup'];

export type AccessDecision =
  | { readonly allow: true }
  | { readonly allow: false; readonly status: 401 | 403; readonly detail: string };

export const KIOSK_REFUSAL = 'this is a kiosk screen: staff pages need a staff sign-in';
export const POS_REFUSAL =
  'this screen is a POS lane: it opens only the POS page (other staff pages are on the back-office screen)';
export const PICKUP_REFUSAL =
  'this screen is the pickup desk: it opens only the pickup and delivery pages (other staff pages are on the back-office screen)';
export const LANE_ONLY_REFUSAL = 'only the store node’s own screens can pair or unpair devices';
export const REPLAY_LANE_ONLY = 'only the store node’s own screens (the back office) can replay parked feed entries';
export const NOT_PAIRED = 'this device is not paired with the store node: open /pair.html and enter a pairing code';
export const STAFF_LANES_ONLY =
  'staff sign in with a PIN at a POS lane or the back office (the store node’s own screens), not on a handheld';
export const PAIRING_REVOKED = 'this device’s pairing was revoked or is unknown: pair it again';

interface Rule {
  readonly methods: readonly string[];
  readonly path: RegExp;
}
const READ = ['GET', 'HEAD'];
const SEGMENT = '[^/]+';

/**
 * Everything a kiosk reaches (exact paths, case-sensitive: a variant the router would also accept is refused, which
 * errs on the safe side). The kiosk page's own calls: catalog search and product reads, stock at nearby stores, the
 * customer's cart; its assets; and the pairing page a LAN kiosk sees before it is paired.
 */
export const KIOSK_ALLOWED: readonly Rule[] = [
  { methods: READ, path: /^\/healthz$/ },
  {
    methods: READ,
    path: /^\/(?:kiosk\.html|kiosk\.js|booking\.html|booking\.js|store\.css|store\.js|tag-filter\.js|pair\.html|pair\.js|favicon\.ico|favicon\.svg)$/,
  },
  { methods: READ, path: /^\/shared\/[\w-]+(?:\.[\w-]+)*$/ }, // no `..`, no encoded characters
  // The API's description and its docs page (issue #26): no data, as public as the node's static pages.
  { methods: READ, path: /^\/(?:openapi\.json|api-docs|api-docs\/[\w-]+(?:\.[\w-]+)*)$/ },
  { methods: READ, path: /^\/api\/catalog\/products$/ },
  { methods: READ, path: new RegExp(`^/api/catalog/products/${SEGMENT}$`) },
  { methods: READ, path: new RegExp(`^/api/catalog/products/${SEGMENT}/nearby$`) },
  { methods: READ, path: /^\/api\/catalog\/featured$/ },
  // Browsing by tag (issue #20): the tag tree and the products under chosen tags, from the store's copy.
  { methods: READ, path: /^\/api\/tags$/ },
  { methods: READ, path: /^\/api\/tags\/products$/ },
  // Recommendations (issue #21) from the store's copy, and the products the kiosk showed (for its session's list).
  { methods: READ, path: /^\/api\/recommendations$/ },
  { methods: ['POST'], path: /^\/api\/kiosk\/views$/ },
  // A product's rating summary and top reviews (issue #24), from the store's copy.
  { methods: READ, path: new RegExp(`^/api/reviews/${SEGMENT}$`) },
  // Prices (issue #25) from the store's copy: a basket priced (the cart's lines), a product's price here now.
  { methods: ['POST'], path: /^\/api\/pricing\/price$/ },
  { methods: READ, path: new RegExp(`^/api/pricing/skus/${SEGMENT}$`) },
  // The customer's cart, only through the session this screen opened with a card, phone number or e-mail: never by
  // customer id (/api/carts/:customerId is for staff screens), so a kiosk reaches no other customer's cart.
  { methods: [...READ, 'POST', 'DELETE'], path: /^\/api\/kiosk\/cart$/ },
  { methods: ['POST'], path: /^\/api\/kiosk\/cart\/lines$/ },
  { methods: ['PUT'], path: new RegExp(`^/api/kiosk/cart/lines/${SEGMENT}$`) },
  { methods: ['PUT'], path: /^\/api\/kiosk\/cart\/pickup-here$/ },
  // Booking a walk-in: this store's shows, and a hold placed, paid for or let go through the hub (only the holds this
  // screen placed: the booking service answers 404 for any other).
  { methods: READ, path: /^\/api\/booking\/shows$/ },
  { methods: ['POST'], path: /^\/api\/booking\/kiosk\/holds$/ },
  { methods: ['POST'], path: new RegExp(`^/api/booking/kiosk/holds/${SEGMENT}/confirm$`) },
  { methods: ['DELETE'], path: new RegExp(`^/api/booking/kiosk/holds/${SEGMENT}$`) },
];

/** What every staff screen's page needs besides its own: health, the shared stylesheet and script, the icon. */
const STAFF_SCREEN_BASICS: readonly Rule[] = [
  { methods: READ, path: /^\/healthz$/ },
  { methods: READ, path: /^\/(?:store\.css|store\.js|favicon\.ico|favicon\.svg)$/ },
  { methods: READ, path: /^\/shared\/[\w-]+(?:\.[\w-]+)*$/ },
  { methods: READ, path: /^\/api\/sync\/status$/ }, // the status bar's sync badge
  { methods: READ, path: /^\/api\/pricing\/status$/ }, // how current the store's prices are (#25)
];

/**
 * Everything a POS screen reaches (exact paths, as KIOSK_ALLOWED): its page, the sale API (open, scan, quantities,
 * the customer's card, tender, void, returns, the lane's own state) and product look-ups for search at the till. Not pickups, stock
 * counts, devices, reports, pairing or the parked feed.
 */
export const POS_ALLOWED: readonly Rule[] = [
  ...STAFF_SCREEN_BASICS,
  { methods: READ, path: /^\/(?:pos\.html|pos\.js|staff-lane\.js|staff-lane\.css)$/ },
  // the lane's sign-in with a PIN and a manager's approval (#27); the day's audit is the back office's
  { methods: READ, path: /^\/api\/staff\/me$/ },
  { methods: ['POST'], path: /^\/api\/staff\/(?:sign-in|sign-out|approvals)$/ },
  { methods: READ, path: /^\/api\/pos\/lane$/ },
  { methods: ['POST'], path: /^\/api\/pos\/sales$/ },
  { methods: READ, path: new RegExp(`^/api/pos/sales/${SEGMENT}$`) },
  { methods: ['POST'], path: new RegExp(`^/api/pos/sales/${SEGMENT}/(?:lines|tender|void|returns)$`) },
  { methods: ['PUT'], path: new RegExp(`^/api/pos/sales/${SEGMENT}/lines/${SEGMENT}$`) },
  { methods: ['PUT', 'DELETE'], path: new RegExp(`^/api/pos/sales/${SEGMENT}/customer-card$`) }, // #21
  { methods: ['PUT'], path: new RegExp(`^/api/pos/sales/${SEGMENT}/coupons$`) }, // #25
  { methods: ['POST'], path: new RegExp(`^/api/pos/sales/${SEGMENT}/lines/${SEGMENT}/price-override$`) }, // #27
  { methods: ['POST'], path: /^\/api\/pos\/drawer\/open$/ }, // #27: a no-sale
  // prices from the store's copy (#25): the basket, a product's price, a coupon's verdict
  { methods: ['POST'], path: /^\/api\/pricing\/(?:price|coupons\/check)$/ },
  { methods: READ, path: new RegExp(`^/api/pricing/skus/${SEGMENT}$`) },
  { methods: READ, path: /^\/api\/catalog\/products$/ },
  { methods: READ, path: new RegExp(`^/api/catalog/products/${SEGMENT}$`) },
];

/**
 * Everything a pickup-desk screen reaches: its page and the pickup API (list, search, verify, hand over, no-show), and
 * the delivery desk (list, search, one bag, handed to driver): delivery bags leave from the same counter.
 */
export const PICKUP_ALLOWED: readonly Rule[] = [
  ...STAFF_SCREEN_BASICS,
  {
    methods: READ,
    path: /^\/(?:pickup\.html|pickup\.js|delivery\.html|delivery\.js|door\.html|door\.js|scan-go-door\.html|scan-go-door\.js|scan-go-door\.css)$/,
  },
  { methods: READ, path: /^\/api\/delivery$/ },
  { methods: READ, path: new RegExp(`^/api/delivery/${SEGMENT}$`) },
  { methods: ['POST'], path: new RegExp(`^/api/delivery/${SEGMENT}/hand-to-driver$`) },
  { methods: READ, path: /^\/api\/bopis\/pickups$/ },
  { methods: ['POST'], path: /^\/api\/bopis\/pickups\/verify$/ },
  { methods: ['POST'], path: new RegExp(`^/api/bopis/pickups/${SEGMENT}/(?:verify-code|hand-over|no-show)$`) },
  // the door's ticket check (tickets are let in at the same counter, offline too) and its count
  { methods: ['POST'], path: /^\/api\/booking\/door\/check$/ },
  { methods: READ, path: /^\/api\/booking\/door\/admissions$/ },
  // Scan & Go's door (#25): the exit code checked offline, an audited bag's check, and today's exits
  { methods: ['POST'], path: /^\/api\/scan-go\/exit$/ },
  { methods: ['POST'], path: new RegExp(`^/api/scan-go/exits/${SEGMENT}/audit$`) },
  { methods: READ, path: /^\/api\/scan-go\/exits$/ },
];

/** Each marked screen's table and the reason it is told when it asks for anything else. */
export const SCREEN_ALLOWED: Readonly<
  Record<MarkedRole, { readonly rules: readonly Rule[]; readonly refusal: string }>
> = {
  kiosk: { rules: KIOSK_ALLOWED, refusal: KIOSK_REFUSAL },
  pos: { rules: POS_ALLOWED, refusal: POS_REFUSAL },
  pickup: { rules: PICKUP_ALLOWED, refusal: PICKUP_REFUSAL },
};

/** The page a marked screen belongs on: where its refusal page leads back to. */
export const HOME_PAGE: Readonly<Record<MarkedRole, string>> = {
  kiosk: '/kiosk.html',
  pos: '/pos.html',
  pickup: '/pickup.html',
};

export const isMarkedRole = (role: string): role is MarkedRole => (MARKED_ROLES as readonly string[]).includes(role);

/** Routes only a lane (the node's own staff screens) may call. Matched on a normalised path: the router ignores case. */
const LANE_ONLY: readonly (Rule & { readonly detail: string })[] = [
  { methods: ['POST'], path: /^\/api\/pairing\/codes$/, detail: LANE_ONLY_REFUSAL },
  { methods: ['DELETE'], path: new RegExp(`^/api/pairing/devices/${SEGMENT}$`), detail: LANE_ONLY_REFUSAL },
  { methods: ['POST'], path: /^\/api\/sync\/parked-feed\/replay$/, detail: REPLAY_LANE_ONLY },
  // #27: a lane's sign-in, approvals and the audit are on the node's own screens (a POS screen's are in POS_ALLOWED)
  {
    methods: [...READ, 'POST'],
    path: /^\/api\/staff\/(?:me|sign-in|sign-out|approvals|audit)$/,
    detail: STAFF_LANES_ONLY,
  },
];

const matches = (rules: readonly Rule[], method: string, path: string) =>
  rules.some((r) => r.methods.includes(method) && r.path.test(path));
/** The path as the router sees it for matching purposes: case-insensitive, trailing slashes ignored. */
const routed = (path: string) => path.toLowerCase().replace(/\/+$/, '') || '/';

/** `unpairedBecause`: why an unpaired caller is unpaired (no token, or a token that is revoked or unknown). */
export function decideAccess(
  role: ScreenRole,
  method: string,
  path: string,
  unpairedBecause: 'no-token' | 'bad-token' = 'no-token',
): AccessDecision {
  if (role === 'lane') return { allow: true };
  if (isMarkedRole(role)) {
    const { rules, refusal } = SCREEN_ALLOWED[role];
    return matches(rules, method, path) ? { allow: true } : { allow: false, status: 403, detail: refusal };
  }
  const p = routed(path);
  if (role === 'unpaired') {
    const isApi = p === '/api' || p.startsWith('/api/') || p === '/metrics';
    if (!isApi || (method === 'POST' && p === '/api/pairing/pair')) return { allow: true };
    return { allow: false, status: 401, detail: unpairedBecause === 'bad-token' ? PAIRING_REVOKED : NOT_PAIRED };
  }
  const laneOnly = LANE_ONLY.find((r) => r.methods.includes(method) && r.path.test(p));
  return laneOnly ? { allow: false, status: 403, detail: laneOnly.detail } : { allow: true };
}
