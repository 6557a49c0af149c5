import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

const EVERYONE = 'allow allow allow allow allow allow allow allow allow';
const CUSTOMERS = 'deny  deny  deny  deny  deny  deny  deny  allow allow';
const ADMIN_ONLY = 'deny  allow deny  deny  deny  deny  deny  deny  deny';

/**
 * Customers' accounts (issue #26). Signing up, in, or as a guest is open to anyone (a stale or a staff credential must
 * not stop it); the account's own routes take a customer's session only (a staff session is not a customer); head
 * office finds accounts and signs them out.
 */
export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                      anon  admin mgrA  asocA tokA  tokB  asocB custA custB
  ['GET', '/console/modules/accounts/*', EVERYONE, 'console files hold no data'],
  ['GET', '/shop', EVERYONE, 'the shop page: it holds no data, everything it shows it asks /graphql for'],
  ['GET', '/shop/*', EVERYONE, 'the shop page’s scripts and style: no data'],
  ['POST', '/api/account/sign-up', EVERYONE, 'a new e-mail for each call'],
  ['POST', '/api/account/sign-in', EVERYONE, 'customer B’s e-mail and password'],
  ['POST', '/api/account/sign-in/code', EVERYONE, 'answers 202 whether or not the e-mail is a customer’s'],
  ['POST', '/api/account/sign-in/code/verify', EVERYONE, 'answers 400: a made-up code (the real one is in a mail)'],
  ['POST', '/api/account/password-reset', EVERYONE, 'answers 202 whether or not the e-mail is a customer’s'],
  ['POST', '/api/account/password-reset/confirm', EVERYONE, 'answers 400: a made-up reset token'],
  ['POST', '/api/account/guest', EVERYONE, 'answers 201: a new guest'],
  ['POST', '/api/account/sign-out', CUSTOMERS, 'each customer signs out a session of its own'],
  ['POST', '/api/account/sign-out-everywhere', CUSTOMERS, 'a throwaway account’s session, so the fixture’s live on'],
  ['GET', '/api/account', CUSTOMERS, 'the caller’s own account: there is no id to ask for another’s'],
  ['PATCH', '/api/account', CUSTOMERS],
  ['GET', '/api/accounts', ADMIN_ONLY],
  ['GET', '/api/accounts/outbox', ADMIN_ONLY],
  ['POST', '/api/accounts/:customerId/sign-out-everywhere', ADMIN_ONLY, 'a throwaway account'],
]);
