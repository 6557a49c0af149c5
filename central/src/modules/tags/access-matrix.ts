import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';
import { analyticsAccessLines } from './analytics-access.js';
import { bulkAccessLines } from './bulk-access.js';

/**
 * Who may call the tags routes; see `central/src/kernel/access-matrix.ts` for the roles. The tree and search are read
 * by anyone signed in (the catalog's taxonomy is the same for every store); head office (ADMIN) changes it. The
 * bulk jobs' lines (bulk-access.ts) and the analytics' (analytics-access.ts) spread in.
 */
const PUBLIC = 'allow allow allow allow allow allow allow';
const SIGNED_IN = 'deny  allow allow allow allow allow allow';
const ADMIN = 'deny  allow deny  deny  deny  deny  deny';

export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/console/modules/tags/*', PUBLIC, 'console files hold no data'],
  ['GET', '/api/tags', SIGNED_IN, 'the tree with product counts: the same taxonomy for every store'],
  ['POST', '/api/tags', ADMIN, 'head office’s catalog team shapes the tree'],
  ['GET', '/api/tags/search', SIGNED_IN, 'a tag query over every store’s catalog (no stock or prices)'],
  ['GET', '/api/tags/index', ADMIN, 'the index’s state, size and last error'],
  ['POST', '/api/tags/index/rebuild', ADMIN, 'rebuilds this hub’s index beside the old one (202)'],
  ['GET', '/api/tags/products/:sku', SIGNED_IN, 'a product’s tags and the ancestors they imply'],
  ['PUT', '/api/tags/products/:sku', ADMIN, 'replaces a product’s tags'],
  ['POST', '/api/tags/products', ADMIN, 'adds, removes or replaces tags on up to 1,000 products'],
  ['GET', '/api/tags/:id', SIGNED_IN, 'a tag with its children'],
  ['PATCH', '/api/tags/:id', ADMIN, 'renames or moves a subtree'],
  [
    'DELETE',
    '/api/tags/:id',
    ADMIN,
    'the fixture’s tag carries a product, so head office’s call answers 409 and changes nothing',
  ],
  ...bulkAccessLines,
  ...analyticsAccessLines,
]);
