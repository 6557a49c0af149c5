import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';
import { booksAccess } from './access-books.js';
import { couponsAccess } from './access-coupons.js';
import { insightsAccess } from './access-insights.js';
import { scanGoAccess } from './access-scan-go.js';
import { storeAccess } from './access-store.js';

const PUBLIC = 'allow allow allow allow allow allow allow';

/** Who may call the pricing routes; see `central/src/kernel/access-matrix.ts` for the roles. */
export const accessMatrix: HubAccessRow[] = [
  ...hubAccessTable([
    //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
    ['GET', '/console/modules/pricing/*', PUBLIC, 'console files hold no data'],
  ]),
  ...booksAccess,
  ...storeAccess,
  ...couponsAccess,
  ...scanGoAccess,
  ...insightsAccess,
];
