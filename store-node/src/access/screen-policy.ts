/**
 * Who may call what on a store node: the one table of its access rules, as a pure function of the caller's role, the
 * method and the path. `screen-guard.ts` decides the role once per request and applies this.
 *
 *   lane      a trusted address (loopback by default) without the kiosk marker: everything.
 *   kiosk     a trusted address carrying `sf_screen=kiosk`, or a LAN device paired with a kiosk code: only the kiosk
 *             page, its assets and the customer-facing API below (KIOSK_ALLOWED); everything else 403.
 *   handheld  a LAN device paired with a handheld code: everything except minting pairing codes, unpairing and
 *             replaying parked feed entries (403).
 *   unpaired  a LAN device without a valid token: /healthz, the static pages (they carry no data) and
 *             POST /api/pairing/pair; every other API (and /metrics) 401.
 */
export type ScreenRole = 'lane' | 'kiosk' | 'handheld' | 'unpaired';

export type AccessDecision =
  | { readonly allow: true }
  | { readonly allow: false; readonly status: 401 | 403; readonly detail: string };

export const KIOSK_REFUSAL = 'this is a kiosk screen: staff pages need a staff sign-in';
export const LANE_ONLY_REFUSAL = 'only the store node’s own screens can pair or unpair devices';
export const REPLAY_LANE_ONLY = 'only the store node’s own screens (the back office) can replay parked feed entries';
export const NOT_PAIRED = 'this device is not paired with the store node: open /pair.html and enter a pairing code';
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
    path: /^\/(?:kiosk\.html|kiosk\.js|store\.css|store\.js|pair\.html|pair\.js|favicon\.ico|favicon\.svg)$/,
  },
  { methods: READ, path: /^\/shared\/[\w-]+(?:\.[\w-]+)*$/ }, // no `..`, no encoded characters
  { methods: READ, path: /^\/api\/catalog\/products$/ },
  { methods: READ, path: new RegExp(`^/api/catalog/products/${SEGMENT}$`) },
  { methods: READ, path: new RegExp(`^/api/catalog/products/${SEGMENT}/nearby$`) },
  { methods: READ, path: new RegExp(`^/api/carts/${SEGMENT}$`) },
  { methods: ['POST'], path: new RegExp(`^/api/carts/${SEGMENT}/lines$`) },
  { methods: ['PUT'], path: new RegExp(`^/api/carts/${SEGMENT}/lines/${SEGMENT}$`) },
];

/** Routes only a lane (the node's own staff screens) may call. Matched on a normalised path: the router ignores case. */
const LANE_ONLY: readonly (Rule & { readonly detail: string })[] = [
  { methods: ['POST'], path: /^\/api\/pairing\/codes$/, detail: LANE_ONLY_REFUSAL },
  { methods: ['DELETE'], path: new RegExp(`^/api/pairing/devices/${SEGMENT}$`), detail: LANE_ONLY_REFUSAL },
  { methods: ['POST'], path: /^\/api\/sync\/parked-feed\/replay$/, detail: REPLAY_LANE_ONLY },
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
  if (role === 'kiosk')
    return matches(KIOSK_ALLOWED, method, path)
      ? { allow: true }
      : { allow: false, status: 403, detail: KIOSK_REFUSAL };
  const p = routed(path);
  if (role === 'unpaired') {
    const isApi = p === '/api' || p.startsWith('/api/') || p === '/metrics';
    if (!isApi || (method === 'POST' && p === '/api/pairing/pair')) return { allow: true };
    return { allow: false, status: 401, detail: unpairedBecause === 'bad-token' ? PAIRING_REVOKED : NOT_PAIRED };
  }
  const laneOnly = LANE_ONLY.find((r) => r.methods.includes(method) && r.path.test(p));
  return laneOnly ? { allow: false, status: 403, detail: laneOnly.detail } : { allow: true };
}
