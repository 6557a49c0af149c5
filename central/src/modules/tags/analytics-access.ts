import type { AccessLine } from '@storefleet/shared';

/**
 * The analytics routes' lines of the tags access matrix (issue #20). Head office only: the figures are the whole
 * catalog's (every store's searches counted together, what merchandising plans with), not a store's own business.
 */
const ADMIN_ONLY = 'deny  allow deny  deny  deny  deny  deny';

export const analyticsAccessLines: AccessLine[] = [
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/api/tags/analytics/most-used', ADMIN_ONLY, 'products per tag across the catalog, from the index'],
  [
    'GET',
    '/api/tags/analytics/trending',
    ADMIN_ONLY,
    'week over week uses, searches from every store counted together: head office planning',
  ],
  ['GET', '/api/tags/analytics/unused', ADMIN_ONLY, 'tags no product carries, for head office to tidy the tree'],
  [
    'GET',
    '/api/tags/analytics/co-occurrence',
    ADMIN_ONLY,
    'with ?tag= of the fixture’s tag; which tags go together across the catalog',
  ],
];
