import type { AccessLine } from '@storefleet/shared';

/**
 * The live seat map's line of the booking module's authorization matrix (`../access-matrix.ts` spreads it in; columns
 * as `central/src/kernel/access-matrix.ts`: anon admin mgrA asocA tokA tokB asocB).
 */
export const liveAccessLines: readonly AccessLine[] = [
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  [
    'WS',
    '/api/booking/shows/:showId/live',
    'allow allow allow allow allow allow allow',
    'public seat availability; an unknown show is a 404',
  ],
];
