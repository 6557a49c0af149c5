import type { CustomerPrincipal } from '../principal.js';
import { definePort } from '../ports.js';

/**
 * Customers' sessions (issue #26), kept by the accounts module: the hub's authentication asks it who a customer token
 * (`sfc_…` bearer or the `sf_customer` cookie) belongs to, for REST, GraphQL, and the automerge-repo socket alike.
 */
export interface CustomerSessions {
  /** The customer a session token belongs to, or undefined when it is unknown, ended or expired (never throws for those). */
  customerFor(token: string): Promise<CustomerPrincipal | undefined>;
}

export const CUSTOMER_SESSIONS = definePort<CustomerSessions>(
  'accounts.sessions',
  'who a customer’s session token belongs to (web and app sign-in)',
);
