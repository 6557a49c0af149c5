import type { IncomingMessage } from 'node:http';

/**
 * The hub's one rule for a request that carries both a staff credential and a customer's (issue #26), for REST,
 * GraphQL over HTTP, and the graphql-ws and /automerge sockets alike:
 *
 * - an explicit credential wins over cookies: an `Authorization: Bearer` (or a socket's `connectionParams.token` or
 *   `?token=`) is the caller, of whichever kind it is, and no cookie is read beside it;
 * - without one, the `sf_session` and `sf_customer` cookies name two callers. A REST route serves one kind and reads
 *   its own cookie (staff routes the staff session, `/api/account` the customer's), so it has nothing to choose; a
 *   GraphQL field or a socket that serves both kinds refuses (UNAUTHENTICATED, 401) with TWO_CALLERS rather than
 *   guess — an admin trying the shop page in the console's browser is told to sign out of one, not shown staff's
 *   view as if it were the customer's, or the reverse.
 */
export const TWO_CALLERS =
  'this request carries both a staff session cookie (sf_session) and a customer’s (sf_customer), so who asks is ' +
  'ambiguous: sign out of one, or send the one you mean as Authorization: Bearer (a socket: its token)';

/**
 * Whether a WebSocket upgrade comes from the hub's own pages: no Origin (not a browser), or an Origin naming the host
 * the upgrade was sent to. A browser sends its cookies with any page's WebSocket, so a socket that authenticates by
 * cookie counts them only when this holds; another site's page is nobody (graphql-ws) or refused (/automerge).
 */
export function sameSiteUpgrade(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
