import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

const ADMIN = 'deny  allow deny  deny  deny  deny  deny';
const ADMIN_AND_MANAGER = 'deny  allow allow deny  deny  deny  deny';
/** Head office, and store A's token and people for store A (the probe names store A; another store's: 404). */
const STORE_A = 'deny  allow allow allow allow deny  deny';

/**
 * Who may call routes-books.ts (see central/src/kernel/access-matrix.ts for the roles). Head office writes books and
 * promotions; a store's manager reads the books and promotions that apply at its store (another store's: 404); prices
 * are asked by head office for any store (or online) and by a store's credential or people for their own store only.
 */
export const booksAccess: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/api/pricing/regions', ADMIN, 'regions with their store counts'],
  ['PUT', '/api/pricing/regions/:id', ADMIN, 'creates or renames a region'],
  ['PUT', '/api/pricing/stores/:storeId/region', ADMIN, 'puts a store in a region (announced to stores)'],
  ['GET', '/api/pricing/books', ADMIN_AND_MANAGER, 'price books (a manager: those that apply at its store)'],
  ['POST', '/api/pricing/books', ADMIN, 'creates a price book (one per chain, region, store)'],
  ['PATCH', '/api/pricing/books/:id', ADMIN, 'renames a price book'],
  [
    'GET',
    '/api/pricing/books/:id/entries',
    ADMIN_AND_MANAGER,
    'hides existence: a book’s entries (a manager: a book that applies at its store)',
  ],
  ['POST', '/api/pricing/books/:id/entries', ADMIN, 'writes ≤ 5,000 entries in one transaction (announced)'],
  ['DELETE', '/api/pricing/books/:id/entries/:entryId', ADMIN, 'deletes an entry (a tombstone, announced)'],
  ['GET', '/api/pricing/promotions', ADMIN_AND_MANAGER, 'promotions (a manager: those that run at its store)'],
  ['POST', '/api/pricing/promotions', ADMIN, 'creates a promotion (announced)'],
  ['GET', '/api/pricing/promotions/:id', ADMIN_AND_MANAGER, 'hides existence: a promotion'],
  ['PUT', '/api/pricing/promotions/:id', ADMIN, 'edits a promotion (a new revision, announced)'],
  ['POST', '/api/pricing/promotions/:id/end', ADMIN, 'ends a running promotion now'],
  ['DELETE', '/api/pricing/promotions/:id', ADMIN, 'deletes a promotion (a tombstone, announced)'],
  ['POST', '/api/pricing/price', STORE_A, 'hides existence: prices lines at a store (own store only) or online'],
  ['GET', '/api/pricing/skus/:sku', STORE_A, 'hides existence: a sku’s price now and upcoming at a store'],
]);
