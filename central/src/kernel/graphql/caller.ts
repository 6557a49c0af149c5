import { UnauthorizedError } from '@storefleet/shared';
import type { Caller } from '../principal.js';
import { TWO_CALLERS } from '../two-credentials.js';
import type { GraphqlContext } from './types.js';

/**
 * Who asks, for a resolver that serves both kinds of caller (a cart, orders): the customer or the staff principal the
 * request's credential names; nobody is UNAUTHENTICATED, as REST answers 401. Both at once can only come from two
 * cookies (an explicit bearer or socket token is the one caller: kernel/two-credentials.ts), and is refused
 * UNAUTHENTICATED rather than guessed. A field for one kind reads `ctx.customer` or `ctx.principal` itself, as a REST
 * route reads its own cookie.
 */
export function callerOf(ctx: GraphqlContext): Caller {
  if (ctx.customer && ctx.principal) throw new UnauthorizedError(TWO_CALLERS);
  const caller = ctx.customer ?? ctx.principal;
  if (!caller) throw new UnauthorizedError('sign in first (a customer session, a console session or a store token)');
  return caller;
}
