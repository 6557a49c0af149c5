import type { AccessLine } from '@storefleet/shared';

const ADMIN = 'deny  allow deny  deny  deny  deny  deny';

/**
 * The bulk job routes' lines of the tags access matrix (lane B): head office only, as a bulk job changes the tags of
 * every store's catalog. The fixture (central/tests/support/tags-bulk-access.ts) gives a finished job to read, one
 * PREPARING to add skus to and start, a running one to cancel and a cancelled one to retry.
 */
export const bulkAccessLines: AccessLine[] = [
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['POST', '/api/tags/bulk-jobs', ADMIN, 'a job changing products of every store’s catalog'],
  ['GET', '/api/tags/bulk-jobs', ADMIN, 'the recent jobs'],
  ['GET', '/api/tags/bulk-jobs/:id', ADMIN, 'a job’s progress'],
  ['GET', '/api/tags/bulk-jobs/:id/failures', ADMIN, 'the products a job could not change, and why'],
  ['POST', '/api/tags/bulk-jobs/:id/skus', ADMIN, 'more skus for a job still being prepared'],
  ['POST', '/api/tags/bulk-jobs/:id/start', ADMIN, 'queues a prepared job (a repeat answers it as it is)'],
  [
    'POST',
    '/api/tags/bulk-jobs/:id/cancel',
    ADMIN,
    'stops a job after its current chunk (a repeat answers it as it is)',
  ],
  ['POST', '/api/tags/bulk-jobs/:id/retry', ADMIN, 'carries a failed or cancelled job on from where it stopped'],
];
