import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from 'pino';
import { presentedCredential, readCookie, UnauthorizedError } from '@storefleet/shared';
import { CUSTOMER_COOKIE, CUSTOMER_TOKEN_PREFIX, type CustomerPrincipal, type Principal } from '../principal.js';
import type { CustomerSessions } from '../ports/accounts.js';
import type { LiveSessions } from '../live-sessions.js';
import { sameSiteUpgrade } from '../two-credentials.js';
import { contextFor } from './gateway.js';
import { maskError } from './errors.js';
import { badTextInVariables, refuseBadTextLiterals } from './bad-text.js';
import { queryLimits } from './limits.js';
import type { GraphqlContext } from './types.js';

/** Where graphql-ws clients connect: the same path as the HTTP endpoint. */
export const GRAPHQL_PATH = '/graphql';

/** Who a socket is, from its upgrade's cookies or its `connectionParams.token`. */
export interface SocketCaller {
  readonly principal?: Principal | undefined;
  readonly customer?: CustomerPrincipal | undefined;
  /** Asks the credentials again (a customer's session may end elsewhere); absent for nobody, who has none to lose. */
  readonly stillSignedIn?: () => Promise<boolean>;
}

export interface GraphqlSubscriptionsOptions {
  readonly schema: GraphQLSchema;
  /**
   * Who the socket is: `token` (from `connectionParams.token`, a customer's `sfc_…` or a staff token) when given, else
   * the upgrade's cookies (`sf_customer`, `sf_session`). A token that names nobody throws (the socket is closed);
   * no credential at all is nobody, and each operation authorizes as over HTTP.
   */
  readonly authenticate: (req: IncomingMessage, token: string | undefined) => Promise<SocketCaller>;
  readonly log: Logger;
  readonly now: () => number;
  readonly maxDepth: number;
  readonly maxCost: number;
  /** Operations one socket may have running at once; one more is refused (RATE_LIMITED), the others go on. */
  readonly maxPerSocket?: number;
  /** The largest frame a client may send; a bigger one closes that socket (1009), never another. */
  readonly maxPayload?: number;
  /** Sockets one customer may have open at once (in this hub process); one more is closed (4429) as it connects. */
  readonly maxSocketsPerCustomer?: number;
  /**
   * The hub's live sockets: a signed-in socket is kept there, so a customer's sign-out, sign-out everywhere or password
   * reset closes it (4403) and its subscriptions stop at once, and a periodic re-check closes one whose session ended
   * where no announcement reached.
   */
  readonly live?: LiveSessions;
}

/** A socket's subscriptions: a handful for a shop page (the cart, an order or two). */
export const DEFAULT_SUBSCRIPTIONS_PER_SOCKET = 10;
/**
 * A customer's open sockets: a shop page keeps one, a few tabs and devices a few more. Without a bound one session's
 * hundred sockets of ten subscriptions each re-price its cart a thousand times on every change.
 */
export const DEFAULT_SOCKETS_PER_CUSTOMER = 8;
/** graphql-ws' close code for a socket refused because its customer has too many open (4000-4999 are the app's). */
export const TOO_MANY_SOCKETS_CLOSE = 4429;
export const TOO_MANY_SOCKETS = 'too many sockets for this customer: close one first';
/** A subscribe frame is a query and its variables: a few KiB; 64 KiB is generous. */
export const DEFAULT_GRAPHQL_FRAME_BYTES = 64 * 1024;

/**
 * GraphQL subscriptions over graphql-ws on the hub's `/graphql` upgrade (issue #26): the schema the HTTP endpoint
 * serves, one context per operation made as the HTTP one is (the staff principal or the customer, never both mixed up
 * by the operation), the same depth and cost limits, the same error codes. The upgrade itself is public — like the
 * HTTP endpoint, nobody signed in may open it and each field authorizes its caller — so an anonymous socket can
 * subscribe only to what an anonymous query could read (nothing of carts or orders).
 *
 * Bounded: `maxSocketsPerCustomer` sockets per customer (staff and anonymous sockets are not counted here),
 * `maxPerSocket` operations at once per socket, `maxPayload` bytes a frame; graphql-ws closes a socket that
 * sends a frame it cannot read (4400) and that socket alone.
 */
export function graphqlSubscriptions(o: GraphqlSubscriptionsOptions): {
  /** Takes the upgrade when it is for `/graphql` (true), else leaves it to the hub's other sockets (false). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  attach(server: Server): void;
  close(): Promise<void>;
} {
  const wss = new WebSocketServer({ noServer: true, maxPayload: o.maxPayload ?? DEFAULT_GRAPHQL_FRAME_BYTES });
  const maxPerSocket = o.maxPerSocket ?? DEFAULT_SUBSCRIPTIONS_PER_SOCKET;
  const maxPerCustomer = o.maxSocketsPerCustomer ?? DEFAULT_SOCKETS_PER_CUSTOMER;
  /** Open sockets by customer id, counted from a socket's accepted connection to its close. */
  const perCustomer = new Map<string, number>();
  const rules = [...specifiedRules, queryLimits(o.maxDepth, o.maxCost), refuseBadTextLiterals];
  const mask = maskError(o.log);
  const callers = new WeakMap<object, SocketCaller>();
  const disposable = useServer<Record<string, unknown> | undefined>(
    {
      schema: o.schema,
      validate: (schema, doc) => validate(schema, doc, rules),
      onConnect: async (ctx) => {
        const token = ctx.connectionParams?.token;
        if (token !== undefined && typeof token !== 'string') return false;
        try {
          const caller = await o.authenticate(ctx.extra.request, token);
          const socket = ctx.extra.socket;
          if (socket.readyState !== socket.OPEN) return false;
          const customerId = caller.customer?.customerId;
          if (customerId) {
            // counted here, with no await between the check and the count, so a burst of sockets stops at the bound
            const open = perCustomer.get(customerId) ?? 0;
            if (open >= maxPerCustomer) {
              socket.close(TOO_MANY_SOCKETS_CLOSE, TOO_MANY_SOCKETS);
              return false;
            }
            perCustomer.set(customerId, open + 1);
            socket.once('close', () => {
              const left = (perCustomer.get(customerId) ?? 1) - 1;
              if (left > 0) perCustomer.set(customerId, left);
              else perCustomer.delete(customerId);
            });
          }
          callers.set(socket, caller);
          if (o.live && caller.stillSignedIn) {
            const forget = o.live.add({
              customerId: caller.customer?.customerId,
              sessionId: caller.customer?.sessionId,
              stillSignedIn: caller.stillSignedIn,
              // graphql-ws completes the socket's subscriptions on close: no further `next` is sent on it
              close: (reason) => socket.close(SESSION_ENDED_CLOSE, closeReasonOf(reason)),
            });
            socket.once('close', forget);
          }
          return true;
        } catch {
          return false; // a token that names nobody: 4403, this socket only
        }
      },
      onSubscribe: (ctx, _id, payload) => {
        // a frame's variables are JSON no edge check has read: text our databases cannot keep stops here
        const bad = badTextInVariables(payload.variables);
        if (bad) return [bad];
        // graphql-ws lists an operation from its subscribe frame on (this one included), before its resolver has
        // answered: counting only those already streaming would let a burst of frames past the bound
        const running = Object.keys(ctx.subscriptions).length;
        if (running > maxPerSocket)
          return [
            new GraphQLError(`at most ${maxPerSocket} operations at once on one socket: complete one first`, {
              extensions: { code: 'RATE_LIMITED' },
            }),
          ];
      },
      context: (ctx): GraphqlContext => {
        const caller = callers.get(ctx.extra.socket) ?? {};
        return { ...contextFor(undefined, undefined, o.now), principal: caller.principal, customer: caller.customer };
      },
      // Resolvers' errors leave as over HTTP: the hub's own with their code and message, anything else INTERNAL.
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        return { ...result, errors: result.errors.map((e) => (mask(e) as GraphQLError).toJSON()) } as never;
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => (mask(e) as GraphQLError).toJSON()),
    },
    wss,
  );
  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    if (pathOf(req.url) !== GRAPHQL_PATH) return false;
    wss.handleUpgrade(req, socket, head, (ws) => {
      // a frame ws cannot read (too big, not UTF-8) closes this socket; unheard, its error would end the process
      ws.on('error', (err) => o.log.debug({ err }, 'graphql socket closed on an invalid frame'));
      const ours = ws.listeners('error');
      wss.emit('connection', ws, req);
      // graphql-ws writes such an error to stderr (console.error) and closes the socket again: ws has already closed it
      // with the frame's code (1009, 1007), and a client sending oversized frames must not fill the hub's stderr
      for (const l of ws.listeners('error')) if (!ours.includes(l)) ws.off('error', l as (err: Error) => void);
    });
    return true;
  };
  return {
    handleUpgrade,
    attach(server) {
      server.on('upgrade', (req, socket, head) => {
        try {
          handleUpgrade(req, socket, head);
        } catch (err) {
          o.log.warn({ err }, 'graphql socket upgrade failed');
          socket.destroy();
        }
      });
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** graphql-ws' Forbidden: the socket's session ended (sign-out, reset); the client must sign in again. */
export const SESSION_ENDED_CLOSE = 4403;

/** A close frame's reason holds at most 123 bytes. */
function closeReasonOf(reason: string): string {
  const bytes = Buffer.from(reason);
  return bytes.length <= 123
    ? reason
    : `${bytes
        .subarray(0, 120)
        .toString('utf8')
        .replace(/\uFFFD+$/, '')}…`;
}

function pathOf(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? '/', 'http://hub').pathname;
  } catch {
    return undefined;
  }
}

/** Whether a `connectionParams.token` is a customer's (else it is a staff or store token). */
export const isCustomerToken = (token: string) => token.startsWith(CUSTOMER_TOKEN_PREFIX);

/**
 * Who a `/graphql` socket is, as the HTTP endpoint decides it (`authenticate` in graphqlSubscriptions' options): the
 * `connectionParams.token` when the client sends one (browsers cannot set headers on a WebSocket), else an
 * `Authorization: Bearer` header, else the cookies — `sf_customer` for a customer, the staff session cookie for staff.
 * A credential that names nobody throws, so the socket is closed (4403) rather than quietly anonymous and puzzling.
 * A cookie rides along with any page's WebSocket, so cookies count only on a socket opened from the hub's own pages
 * (no Origin, or the Origin's host is the Host): another site's page gets nobody, and nobody reads no cart or order.
 */
export function socketAuthentication(o: {
  readonly principalFor: (credential: string) => Promise<Principal>;
  readonly customers: () => CustomerSessions | undefined;
  readonly sessionCookie: string;
}): (req: IncomingMessage, token: string | undefined) => Promise<SocketCaller> {
  const customerFor = async (credential: string) => {
    const customer = await o.customers()?.customerFor(credential);
    if (!customer) throw new UnauthorizedError('the customer session is unknown, ended or expired; sign in again');
    return customer;
  };
  /** Whether the credentials still name the same callers (a customer's session, a staff session or store token). */
  const still = (customer: string | undefined, staff: string | undefined, was: SocketCaller) => async () => {
    if (customer && (await o.customers()?.customerFor(customer))?.sessionId !== was.customer?.sessionId) return false;
    if (staff)
      return o.principalFor(staff).then(
        () => true,
        () => false,
      );
    return true;
  };
  return async (req, token) => {
    // kernel/two-credentials.ts: an explicit token wins over cookies, and no cookie is read beside it
    const bearer = presentedCredential(req.headers.authorization, undefined, '') || undefined;
    const presented = token ?? bearer;
    if (presented !== undefined) {
      const who: SocketCaller = isCustomerToken(presented)
        ? { customer: await customerFor(presented) }
        : { principal: await o.principalFor(presented) };
      const customer = who.customer ? presented : undefined;
      return { ...who, stillSignedIn: still(customer, customer ? undefined : presented, who) };
    }
    if (!sameSiteUpgrade(req)) return {};
    const customerCookie = readCookie(req.headers.cookie, CUSTOMER_COOKIE);
    const staffCookie = readCookie(req.headers.cookie, o.sessionCookie);
    if (!customerCookie && !staffCookie) return {};
    // both cookies: both callers are kept, and a field serving both kinds refuses the pair (callerOf), as over HTTP
    const who: SocketCaller = {
      customer: customerCookie ? await customerFor(customerCookie) : undefined,
      principal: staffCookie ? await o.principalFor(staffCookie) : undefined,
    };
    return { ...who, stillSignedIn: still(customerCookie, staffCookie, who) };
  };
}

/**
 * An async iterator of what `attach` pushes, for a subscription resolver: `attach` starts listening and answers how to
 * stop; at most `max` values wait for a slow client (the oldest are dropped: for a cart or an order only the newest
 * state matters); `fail` ends the iteration with that error. Stopping (the client completes, the socket closes) stops
 * the listening at once.
 */
export function latestOf<T>(
  attach: (push: (value: T) => void, fail: (err: unknown) => void) => () => void,
  max: number,
): AsyncIterableIterator<T> {
  const queue: T[] = [];
  let waiting: ((r: IteratorResult<T>) => void) | undefined;
  let rejecting: ((err: unknown) => void) | undefined;
  let failed: { err: unknown } | undefined;
  let done = false;
  const push = (value: T) => {
    if (done) return;
    if (waiting) {
      const w = waiting;
      waiting = rejecting = undefined;
      return w({ value, done: false });
    }
    queue.push(value);
    while (queue.length > max) queue.shift();
  };
  const fail = (err: unknown) => {
    if (done) return;
    failed = { err };
    if (rejecting) {
      const r = rejecting;
      waiting = rejecting = undefined;
      stop();
      r(err);
    }
  };
  let detach: () => void = () => undefined;
  const stop = () => {
    if (done) return;
    done = true;
    queue.length = 0;
    detach();
    waiting?.({ value: undefined, done: true });
    waiting = rejecting = undefined;
  };
  detach = attach(push, fail);
  return {
    next() {
      if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
      if (failed) {
        stop();
        return Promise.reject(failed.err);
      }
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => {
        waiting = resolve;
        rejecting = reject;
      });
    },
    return() {
      stop();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(err: unknown) {
      stop();
      return Promise.reject(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
