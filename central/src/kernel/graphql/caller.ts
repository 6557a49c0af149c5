import { UnauthorizedError } from '@storefleet/shared';
import type { Caller } from '../principal.js';
import type { GraphqlContext } from './types.js';

/**
 * Who asks, for a resolver that needs someone signed in: the customer when a customer's session came with the call,
 * else the staff principal; nobody is UNAUTHENTICATED, as REST answers 401.
 */
export function callerOf(ctx: GraphqlContext): Caller {
  const caller = ctx.customer ?? ctx.principal;
  if (!caller) throw new UnauthorizedError('sign in first (a customer session, a console session or a store token)');
  return caller;
}
