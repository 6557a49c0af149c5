import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAssetsDir } from '@storefleet/shared';
import { accessMatrix } from '../src/access-matrix.js';
import type { StoreNode } from '../src/index.js';
import { discoverRoutes } from '../../central/tests/support/express-routes.js';
import { inBatches } from '../../central/tests/support/raw-http.js';
import { accessMismatch } from '../../central/tests/support/access-verdict.js';
import { filesUnder } from '../../central/tests/support/hub-static-roots.js';
import { storeAccessFixture } from './support/store-access-fixture.js';

const STATIC_ROOTS = new Map([
  ['/', fileURLToPath(new URL('../src/ui/static/', import.meta.url))],
  ['/shared', fileURLToPath(browserAssetsDir)],
]);
const key = (method: string, path: string) => `${method} ${path}`;

describe('the store node’s authorization matrix', () => {
  let fx: Awaited<ReturnType<typeof storeAccessFixture>>;
  let node: StoreNode;
  beforeAll(async () => {
    fx = await storeAccessFixture();
    node = fx.node;
  });
  afterAll(() => node?.stop());

  it('has exactly one row for each route and page the running node has, and no row without one', () => {
    const { routes, statics } = discoverRoutes(node.app as never);
    expect(statics.map((s) => s.mount).filter((m) => !STATIC_ROOTS.has(m)), 'static mounts of unknown folders').toEqual([]);
    const pages = statics.flatMap((s) =>
      s.mount === '/' ? ['GET /', ...filesUnder(STATIC_ROOTS.get('/')!).map((f) => key('GET', `/${f}`))] : [key('GET', `${s.mount}/*`)],
    );
    const existing = [...routes.map((r) => key(r.method, r.path)), ...pages];
    const tabled = accessMatrix.map((r) => key(r.method, r.path));
    expect(tabled.filter((k, i) => tabled.indexOf(k) !== i), 'rows listed twice').toEqual([]);
    expect(existing.filter((k) => !tabled.includes(k)), 'routes and pages missing from the authorization matrix').toEqual([]);
    expect(tabled.filter((k) => !existing.includes(k)), 'rows for routes or pages the node does not have').toEqual([]);
  });

  it('answers every route and page, as every role (the kiosk both ways in), as the table says', async () => {
    const paths = (path: string): string[] => {
      if (path === '/shared/*') return filesUnder(STATIC_ROOTS.get('/shared')!).map((f) => `/shared/${f}`);
      return [
        path
          .replace(':customerId', fx.customerId)
          .replace(':sku', 'MUG')
          .replace('/pos/sales/:id', `/pos/sales/${fx.saleId}`)
          .replace('/pairing/devices/:id', `/pairing/devices/${fx.spareDeviceId}`)
          .replace('/bopis/pickups/:id', '/bopis/pickups/no-such-reservation'),
      ];
    };
    const tasks: (() => Promise<string | undefined>)[] = [];
    for (const row of accessMatrix) {
      for (const caller of fx.callers) {
        for (const path of paths(row.path)) {
          if (path.includes(':')) throw new Error(`no fixture for the parameters of ${row.method} ${row.path}`);
          tasks.push(async () => {
            const body = row.method === 'GET' ? undefined : '{}';
            const res = await fx.call(caller, { method: row.method, path, headers: body ? { 'content-type': 'application/json' } : {}, ...(body ? { body } : {}) });
            if (res.status === 500) return `${caller.label} ${row.method} ${path} → 500: ${res.text.slice(0, 200)}`;
            const mismatch = accessMismatch(row, caller.role, res.status);
            return mismatch && `${mismatch.replace(caller.role.padEnd(10), caller.label.padEnd(12))}${path !== row.path ? ` (${path})` : ''}`;
          });
        }
      }
    }
    const mismatches = (await inBatches(tasks, 8)).filter((m): m is string => !!m);
    expect(mismatches).toEqual([]);
  });
});
