import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

const ADMIN = 'deny  allow deny  deny  deny  deny  deny';

/** Who may call routes-insights.ts (see central/src/kernel/access-matrix.ts for the roles): head office only. */
export const insightsAccess: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['POST', '/api/pricing/preview/entries', ADMIN, 'a book change previewed: per sku the price now and after, stores'],
  ['POST', '/api/pricing/preview/promotion', ADMIN, 'the skus a promotion draft targets (500 listed) and the count'],
  ['POST', '/api/pricing/dry-runs', ADMIN, 'starts a dry run of a promotion on the ledger’s baskets (a job)'],
  ['GET', '/api/pricing/dry-runs/:id', ADMIN, 'a dry run’s progress and result'],
]);
