import type { AccessLine } from '@storefleet/shared';

/**
 * Tracking's lines of the delivery module's authorization matrix (`../access-matrix.ts` spreads them in; columns as
 * `central/src/kernel/access-matrix.ts`: anon admin mgrA asocA tokA tokB asocB). The fixture's tracked deliveries
 * leave from store A.
 */
export const trackingAccessLines: readonly AccessLine[] = [
  //                                                              anon  admin mgrA  asocA tokA  tokB  asocB
  [
    'POST',
    '/api/delivery/deliveries/:id/tracking-link',
    'deny  allow deny  deny  deny  deny  deny',
    'head office only (the link reads the exact door and the PIN); answered once (201), the old one revoked',
  ],
  [
    'GET',
    '/api/delivery/track/:token',
    'allow allow allow allow allow allow allow',
    'the customer’s page: the token is the credential; an unknown or replaced one is a 404',
  ],
  [
    'GET',
    '/api/delivery/positions',
    'deny  allow allow deny  deny  deny  deny',
    '?storeId= of store A for its manager: carriers carrying its deliveries, only its delivery ids, no trail; all: ADMIN',
  ],
  [
    'GET',
    '/console/modules/delivery/*',
    'allow allow allow allow allow allow allow',
    'the console’s pages and the customer’s tracking page (track.html): files that hold no data',
  ],
  [
    'WS',
    '/api/delivery/drivers',
    'deny  deny  deny  deny  deny  deny  deny',
    'driver apps only, with their carrier’s driver token (drv_…): a person or a store is no driver (401)',
  ],
];
