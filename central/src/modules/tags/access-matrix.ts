import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';
import { analyticsAccessLines } from './analytics-access.js';
import { bulkAccessLines } from './bulk-access.js';

/**
 * Who may call the tags routes; see `central/src/kernel/access-matrix.ts` for the roles. The tree and search are read
 * by anyone signed in (the catalog's taxonomy is the same for every store); head office (ADMIN) changes it. The
 * bulk jobs' lines (bulk-access.ts) and the analytics' (analytics-access.ts) spread in.
 */
const PUBLIC = 'allow allow allow allow allow allow allow';

export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/console/modules/tags/*', PUBLIC, 'console files hold no data'],
  ...bulkAccessLines,
  ...analyticsAccessLines,
]);
