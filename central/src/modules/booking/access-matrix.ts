import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';
import { liveAccessLines } from './live/access-lines.js';
import { salesAccessLines } from './sales-access.js';

/**
 * Who may call the booking routes; see `central/src/kernel/access-matrix.ts` for the roles. Venues, shows, seat maps
 * and holds here (lane A); the sales lines (sales-access.ts) and the live map's (live/access-lines.ts) spread in.
 */
export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ...salesAccessLines,
  ...liveAccessLines,
]);
