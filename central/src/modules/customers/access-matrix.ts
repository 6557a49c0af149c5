import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

/**
 * Who may call the customer routes; see `central/src/kernel/access-matrix.ts` for the roles. Customers belong to themselves
 * and to head office: a store sees one only through an order or cart at that store (the fixture's customer was
 * signed up by store A and has an order there), never by search, and another store gets the 404 of a customer that
 * does not exist.
 */
export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/console/modules/customers/*', 'allow allow allow allow allow allow allow', 'console files hold no data'],
  ['POST', '/api/customers', 'deny  allow allow allow allow allow allow', 'a sign-up at any store’s lane'],
  [
    'POST',
    '/api/customers/lookup',
    'deny  deny  deny  deny  allow allow deny ',
    'a store node opening a kiosk cart by card, phone or email: store tokens only, misses capped per store',
  ],
  [
    'GET',
    '/api/customers',
    'deny  allow deny  deny  deny  deny  deny',
    'search is head office’s: a store never searches',
  ],
  [
    'GET',
    '/api/customers/search',
    'deny  allow deny  deny  deny  deny  deny',
    'the console’s customer search: head office only, contacts masked',
  ],
  [
    'GET',
    '/api/customers/:id',
    'deny  allow allow allow allow deny  deny',
    'hides existence: 404 to a store the customer has no order or cart at',
  ],
  [
    'PATCH',
    '/api/customers/:id',
    'deny  allow allow allow allow deny  deny',
    'hides existence: 404 to a store the customer has no order or cart at',
  ],
]);
