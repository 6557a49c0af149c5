import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

/**
 * Who may call the recommendations routes; see `central/src/kernel/access-matrix.ts` for the roles.
 * Recommendations are read by anyone signed in (web/app backends, stores' kiosks, associates); one for a named
 * customer reveals what they bought, so it follows the cart's rule: head office, or a store that deals with the
 * customer (another store is answered 404, as if the customer did not exist). The experiments and the models are
 * head office's.
 */
const PUBLIC = 'allow allow allow allow allow allow allow';
const SIGNED_IN = 'deny  allow allow allow allow allow allow';
const ADMIN = 'deny  allow deny  deny  deny  deny  deny';
const STORE_A = 'deny  allow allow allow allow deny  deny';

export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/console/modules/recommendations/*', PUBLIC, 'console files hold no data'],
  [
    'GET',
    '/api/recommendations',
    SIGNED_IN,
    'a list for a surface; with `customerId` only for head office or a store linked to the customer (else 404)',
  ],
  ['POST', '/api/recommendations/events', SIGNED_IN, 'a session’s view or cart add, for re-ranking at request time'],
  ['POST', '/api/recommendations/clicks', SIGNED_IN, 'a click on a list served (counted once, for the A/B test)'],
  ['GET', '/api/recommendations/variants', ADMIN, 'the A/B variants with CTR and credible intervals'],
  ['POST', '/api/recommendations/variants', ADMIN, 'a new variant (per-surface weights)'],
  ['POST', '/api/recommendations/variants/:name/stop', ADMIN, 'stops serving a variant'],
  ['POST', '/api/recommendations/variants/:name/start', ADMIN, 'serves a stopped variant again'],
  ['GET', '/api/recommendations/models', ADMIN, 'the training runs and their figures'],
  ['POST', '/api/recommendations/models/train', ADMIN, 'starts a training run (202)'],
  ['GET', '/api/recommendations/stores/:storeId/top', STORE_A, 'the list a store gets through its feed'],
]);
