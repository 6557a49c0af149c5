import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAssetsDir } from '@storefleet/shared';
import { accessMatrix, type StoreAccessRole } from '../src/access-matrix.js';
import type { StoreNode } from '../src/index.js';
import { discoverRoutes } from '../../central/tests/support/express-routes.js';
import { inBatches } from '../../central/tests/support/raw-http.js';
import { accessMismatch, successMismatch } from '../../central/tests/support/access-verdict.js';
import { filesUnder } from '../../central/tests/support/hub-static-roots.js';
import { storeAccessFixture, type StoreAccessFixture, type StoreCaller } from './support/store-access-fixture.js';

const STATIC_ROOTS = new Map([
  ['/', fileURLToPath(new URL('../src/ui/static/', import.meta.url))],
  ['/shared', fileURLToPath(browserAssetsDir)],
]);
const key = (method: string, path: string) => `${method} ${path}`;

/** From the most to the least privileged: the first allowed caller of a row must get a real answer (2xx). */
const BY_PRIVILEGE: readonly StoreAccessRole[] = ['lane', 'handheld', 'pos', 'pickup', 'kiosk', 'unpaired'];

/**
 * The id each parameter names: the fixture's own (a call that uses its target up gets one of its own), so a route
 * runs instead of answering 404 for an id that does not exist.
 */
function pathFor(path: string, fx: StoreAccessFixture): string {
  const saleFor: Record<string, string> = {
    '/api/pos/sales/:id/tender': fx.sales.toTender,
    '/api/pos/sales/:id/void': fx.sales.toVoid,
    '/api/pos/sales/:id/returns': fx.sales.paid,
  };
  const pickupFor: Record<string, string> = {
    '/api/bopis/pickups/:id/hand-over': fx.pickups.toHandOver,
    '/api/bopis/pickups/:id/no-show': fx.pickups.toMiss,
    '/api/bopis/pickups/:id/verify-code': fx.pickups.toVerify,
  };
  return path
    .replace('/screens/:role', '/screens/pos?lane=2')
    .replace('/devices/:name', '/devices/matrix-scanner')
    .replace('/api-docs/:file', '/api-docs/swagger-ui.css')
    .replace(':customerId', fx.customerId)
    .replace(':sku', 'MUG')
    .replace('/pos/sales/:id', `/pos/sales/${saleFor[path] ?? fx.sales.open}`)
    .replace('/pairing/devices/:id', `/pairing/devices/${fx.spareDeviceId}`)
    .replace('/bopis/pickups/:id', `/bopis/pickups/${pickupFor[path]}`)
    .replace('/delivery/:id', `/delivery/${fx.deliveries.toDriver}`)
    .replace('/vault/documents/:id', '/vault/documents/00000000-0000-4000-8000-00000000d0c5')
    .replace('/v2/*name/manifests/:reference', '/v2/releases/matrix-app/manifests/v1')
    .replace('/v2/*name/blobs/:digest', `/v2/releases/matrix-app/blobs/sha256%3A${'0'.repeat(64)}`)
    .replace(':sessionId', '00000000-0000-4000-8000-00000000e417')
    .replace('/booking/kiosk/holds/:holdId', `/booking/kiosk/holds/${fx.customerId}`)
    .replace(/^\/api\/booking\/door\/admissions$/, `/api/booking/door/admissions?showId=${fx.booking.showId}`);
}

/** A valid body for each write, as the node's own pages send it; a write without one throws. */
function bodyFor(row: string, fx: StoreAccessFixture, caller: StoreCaller): unknown {
  const bodies: Record<string, unknown> = {
    'POST /api/pairing/codes': { role: 'handheld' },
    'POST /api/sync/parked-feed/replay': {},
    'POST /api/pairing/pair': { code: fx.pairingCodes[caller.label], name: 'Matrix device' },
    'DELETE /api/pairing/devices/:id': undefined,
    'POST /api/bopis/pickups/verify': { code: fx.pickupCode },
    'POST /api/bopis/pickups/:id/verify-code': { code: 'K7M-4QH' },
    'POST /api/bopis/pickups/:id/hand-over': {},
    'POST /api/bopis/pickups/:id/no-show': {},
    'POST /api/delivery/:id/hand-to-driver': {},
    'POST /api/pos/sales': {},
    'POST /api/pos/sales/:id/lines': { code: 'MUG', qty: 1 },
    'PUT /api/pos/sales/:id/lines/:sku': { qty: 2 },
    'PUT /api/pos/sales/:id/customer-card': { card: '2912345678901236' },
    'DELETE /api/pos/sales/:id/customer-card': undefined,
    'POST /api/pos/sales/:id/tender': { kind: 'CASH', givenMinor: 100_000 },
    'POST /api/pos/sales/:id/void': {},
    'POST /api/pos/sales/:id/lines/:sku/price-override': { unitPriceMinor: 100, reason: 'damaged box' },
    'POST /api/pos/drawer/open': { reason: 'change for the float' },
    'POST /api/staff/sign-in': { pin: '0000' },
    'POST /api/staff/sign-out': {},
    'POST /api/staff/approvals': { pin: '0000', action: 'NO_SALE' },
    'POST /api/pos/sales/:id/returns': { items: [{ sku: 'MUG', qty: 1 }] },
    'POST /api/stock/movements': { sku: 'MUG', delta: 1, kind: 'RECEIVE' },
    'POST /api/stock/counts': { sku: 'MUG', counted: 90 },
    'PUT /api/stock/:sku/low-stock-at': { lowStockAt: 3 },
    'PUT /api/devices/:name/label': { label: 'Lane 1 scanner' },
    'POST /api/carts/:customerId/lines': { code: 'MUG', qty: 1 },
    'PUT /api/carts/:customerId/lines/:sku': { qty: 2 },
    'POST /api/kiosk/cart': { who: 'ana@example.test' },
    'DELETE /api/kiosk/cart': undefined,
    'POST /api/kiosk/cart/lines': { sku: 'MUG', qty: 1 },
    'PUT /api/kiosk/cart/lines/:sku': { qty: 2 },
    'PUT /api/kiosk/cart/pickup-here': {},
    'POST /api/kiosk/views': { sku: 'MUG', session: 'matrix-session-0001' },
    'POST /api/booking/kiosk/holds': { showId: fx.booking.showId, places: 2 },
    'POST /api/booking/kiosk/holds/:holdId/confirm': {},
    'DELETE /api/booking/kiosk/holds/:holdId': undefined,
    'POST /api/booking/door/check': { code: fx.booking.ticketCode },
    'PUT /api/pos/sales/:id/coupons': { codes: [] },
    'POST /api/pricing/price': { lines: [{ sku: 'MUG', qty: 2 }] },
    'POST /api/pricing/coupons/check': { code: 'MATRIX-NOT-A-COUPON' },
    'POST /api/scan-go/exit': { token: 'matrix.exit.token' },
    'POST /api/scan-go/exits/:sessionId/audit': { counted: 1, matched: true },
  };
  if (!(row in bodies)) throw new Error(`no valid body for ${row}: add one to the store node’s matrix test`);
  return bodies[row];
}

describe('the store node’s authorization matrix', () => {
  let fx: StoreAccessFixture;
  let node: StoreNode;
  beforeAll(async () => {
    fx = await storeAccessFixture();
    node = fx.node;
  });
  afterAll(() => node?.stop());

  it('has exactly one row for each route and page the running node has, and no row without one', () => {
    const { routes, statics } = discoverRoutes(node.app as never);
    expect(
      statics.map((s) => s.mount).filter((m) => !STATIC_ROOTS.has(m)),
      'static mounts of unknown folders',
    ).toEqual([]);
    const pages = statics.flatMap((s) =>
      s.mount === '/'
        ? ['GET /', ...filesUnder(STATIC_ROOTS.get('/')!).map((f) => key('GET', `/${f}`))]
        : [key('GET', `${s.mount}/*`)],
    );
    const existing = [...routes.map((r) => key(r.method, r.path)), ...pages];
    const tabled = accessMatrix.map((r) => key(r.method, r.path));
    expect(
      tabled.filter((k, i) => tabled.indexOf(k) !== i),
      'rows listed twice',
    ).toEqual([]);
    expect(
      existing.filter((k) => !tabled.includes(k)),
      'routes and pages missing from the authorization matrix',
    ).toEqual([]);
    expect(
      tabled.filter((k) => !existing.includes(k)),
      'rows for routes or pages the node does not have',
    ).toEqual([]);
  });

  it('answers every route and page, as every role (the kiosk both ways in), as the table says', async () => {
    const paths = (path: string): string[] =>
      path === '/shared/*' ? filesUnder(STATIC_ROOTS.get('/shared')!).map((f) => `/shared/${f}`) : [pathFor(path, fx)];
    // Each row's most privileged allowed caller goes first, one row at a time, with a valid call (it must succeed);
    // every other call runs after, so a call that uses its target up (tender, hand-over, pairing) cannot starve it.
    const first: (() => Promise<string | undefined>)[] = [];
    const rest: (() => Promise<string | undefined>)[] = [];
    for (const row of accessMatrix) {
      const privileged = BY_PRIVILEGE.find((r) => row.cells[r] === 'allow');
      for (const caller of fx.callers) {
        for (const path of paths(row.path)) {
          if (path.includes(':')) throw new Error(`no fixture for the parameters of ${row.method} ${row.path}`);
          const isFirst =
            caller.role === privileged &&
            caller === fx.callers.find((c) => c.role === privileged) &&
            !row.path.endsWith('/*');
          (isFirst ? first : rest).push(async () => {
            const body = row.method === 'GET' ? undefined : bodyFor(key(row.method, row.path), fx, caller);
            const res = await fx.call(caller, {
              method: row.method,
              path,
              headers: body === undefined ? {} : { 'content-type': 'application/json' },
              ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            });
            if (res.status >= 500 && row.expects !== res.status)
              return `${caller.label} ${row.method} ${path} → ${res.status}: ${res.text.slice(0, 200)}`;
            const mismatch =
              accessMismatch(row, caller.role, res.status) ??
              (isFirst ? successMismatch(row, caller.role, res.status, res.text.slice(0, 200)) : undefined);
            return (
              mismatch &&
              `${mismatch.replace(caller.role.padEnd(10), caller.label.padEnd(12))}${path !== row.path ? ` (${path})` : ''}`
            );
          });
        }
      }
    }
    const mismatches = [...(await inBatches(first, 1)), ...(await inBatches(rest, 8))].filter((m): m is string => !!m);
    expect(mismatches).toEqual([]);
  });
});
