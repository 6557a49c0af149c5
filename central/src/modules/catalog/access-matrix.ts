import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

const SIGNED_IN = 'deny  allow allow allow allow allow allow';
const ADMIN_ONLY = 'deny  allow deny  deny  deny  deny  deny';

/** Who may call the catalog routes; see `central/src/kernel/access-matrix.ts` for the roles. */
export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/console/modules/catalog/*', 'allow allow allow allow allow allow allow', 'console files hold no data'],
  ['GET', '/api/catalog/products', SIGNED_IN],
  ['GET', '/api/catalog/categories', SIGNED_IN],
  ['GET', '/api/catalog/products/:sku', SIGNED_IN],
  ['PUT', '/api/catalog/products/:sku', ADMIN_ONLY, 'head office owns the catalog'],
  ['POST', '/api/catalog/products/import', ADMIN_ONLY, 'head office owns the catalog'],
]);
