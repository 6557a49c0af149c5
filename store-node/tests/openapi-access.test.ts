import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectRoutes, type CollectedRoute, type RouteAccess } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { accessMatrix, type StoreAccessRow } from '../src/access-matrix.js';

/**
 * The store node's OpenAPI document says who may call each route in the hub's words (`public`, `staff`, `admin`) and,
 * in each description, in the node's (kiosk, POS lane, pickup desk, handheld, unpaired device). Both must agree with
 * the access matrix the authorization test holds the node to, or the docs page tells an integrator a kiosk may call
 * what answers it 403. Lane A's coverage test checks every route has a doc; this one checks what the docs say.
 */

/** What the document's access must be for a matrix row, from the four cell roles. */
function expectedAccess(row: StoreAccessRow): readonly RouteAccess[] {
  const { kiosk, handheld, unpaired } = row.cells;
  if (unpaired === 'allow') return ['public'];
  if (kiosk === 'allow' || handheld === 'allow') return ['staff'];
  return ['admin']; // the node's own back-office screens only
}

/**
 * The paths with a file's ending that the node answers with a route of its own, not express.static's: it marks a
 * kiosk, it answers the SVG icon, it builds its OpenAPI document from the routes' docs.
 */
const FILE_ROUTES = new Set(['/kiosk.html', '/favicon.ico', '/openapi.json']);
/** Rows without a route of their own: the static pages and assets `express.static` serves (lane A documents those). */
const isStaticFile = (row: StoreAccessRow) =>
  row.path === '/' || row.path === '/shared/*' || (/\.[a-z]+$/.test(row.path) && !FILE_ROUTES.has(row.path));

describe('the store node’s route docs say who may call each route as the access matrix does', () => {
  let dir: string;
  let node: StoreNode;
  let routes: Map<string, CollectedRoute>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sf-openapi-access-'));
    node = createStoreNode({ dbPath: join(dir, 'store.sqlite'), port: 0, logLevel: 'silent', mode: 'test' });
    routes = new Map(collectRoutes(node.app).map((r) => [`${r.method} ${r.path}`, r]));
  });
  afterAll(async () => {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds a documented route for every matrix row that is not a static file', () => {
    const missing = accessMatrix
      .filter((row) => !isStaticFile(row))
      .map((row) => `${row.method} ${row.path}`)
      .filter((key) => !routes.get(key)?.doc);
    expect(missing).toEqual([]);
  });

  it('gives each route the access its matrix row allows', () => {
    const documented = accessMatrix.filter((row) => routes.get(`${row.method} ${row.path}`)?.doc);
    // every row that is a route of the node's own (80 when written), none left out of the check
    expect(documented.length).toBe(accessMatrix.filter((row) => !isStaticFile(row)).length);
    expect(documented.length).toBeGreaterThanOrEqual(80);
    const wrong = documented
      .map((row) => {
        const doc = routes.get(`${row.method} ${row.path}`)!.doc!;
        return { route: `${row.method} ${row.path}`, documented: doc.access, matrix: expectedAccess(row) };
      })
      .filter((r) => JSON.stringify(r.documented) !== JSON.stringify(r.matrix));
    expect(wrong).toEqual([]);
  });

  it('says in words which screens may call it: the kiosk, a POS lane, the pickup desk, an unpaired device', () => {
    const unsaid: string[] = [];
    for (const row of accessMatrix) {
      const doc = routes.get(`${row.method} ${row.path}`)?.doc;
      if (!doc) continue;
      const words = doc.description ?? '';
      const key = `${row.method} ${row.path}`;
      const says = (what: string, text: RegExp, allowed: boolean) => {
        // an open route says so once; the others name each screen that gets in and the refusal of those that do not
        if (row.cells.unpaired === 'allow') return;
        if (allowed && !text.test(words)) unsaid.push(`${key}: does not say ${what} may call it`);
      };
      says('the kiosk', /kiosk \(the customers’ screen\)/, row.cells.kiosk === 'allow');
      says('a POS lane', /POS lane/, row.cells.pos === 'allow' && row.cells.pickup !== 'allow');
      says('the pickup desk', /pickup desk/, row.cells.pickup === 'allow');
      if (row.cells.unpaired !== 'allow' && /marked as a POS lane/.test(words) !== (row.cells.pos === 'allow'))
        unsaid.push(`${key}: says a POS lane may call it, and the matrix says ${row.cells.pos}`);
      if (row.cells.unpaired !== 'allow' && /marked as the pickup desk/.test(words) && row.cells.pickup !== 'allow')
        unsaid.push(`${key}: says the pickup desk may call it, and the matrix says deny`);
      if (row.cells.unpaired === 'allow' && !/unpaired device/.test(words))
        unsaid.push(`${key}: does not say an unpaired device may call it`);
      if (row.cells.kiosk === 'deny' && row.cells.unpaired !== 'allow' && !/kiosk gets 403/.test(words))
        unsaid.push(`${key}: does not say a kiosk gets 403`);
    }
    expect(unsaid).toEqual([]);
  });
});
