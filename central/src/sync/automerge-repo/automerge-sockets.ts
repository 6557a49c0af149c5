import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  ForbiddenError,
  guardSocket,
  presentedCredential,
  readCookie,
  rejectUpgrade,
  UnauthorizedError,
} from '@storefleet/shared';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { AuthService } from '../../auth/auth-service.js';
import { SESSION_COOKIE } from '../../auth/authenticate.js';
import { pathOf } from '../../http/path-of.js';
import type { CustomerSessions } from '../../kernel/ports/accounts.js';
import { type Caller, CUSTOMER_COOKIE, CUSTOMER_TOKEN_PREFIX } from '../../kernel/principal.js';
import type { LiveSessions } from '../../kernel/live-sessions.js';
import { sameSiteUpgrade, TWO_CALLERS } from '../../kernel/two-credentials.js';
import type { HubDocs } from '../docs/hub-docs.js';
import { AutomergeConnection, type AutomergeConnectionLimits } from './automerge-connection.js';

/** Where automerge-repo clients connect (`new WebSocketClientAdapter('wss://hub/automerge?token=sfc_…')`). */
export const AUTOMERGE_PATH = '/automerge';

export interface AutomergeSocketOptions extends Partial<AutomergeConnectionLimits> {
  /** Largest frame a client may send; a larger one closes its socket (1009). A cart's whole history fits many times. */
  readonly maxFrameBytes?: number;
  /** The hub's live sockets: a customer's socket is closed when their session ends (sign-out, reset) elsewhere. */
  readonly live?: LiveSessions;
  /** Sockets one customer may have open at once (in this hub process); one more is closed (1008) as it opens. */
  readonly maxSocketsPerCustomer?: number;
}

/** Why a customer's socket past `maxSocketsPerCustomer` is closed (the `error` frame's message and the close reason). */
export const TOO_MANY_SOCKETS = 'too many sockets for this customer: close one first';

/** A customer's sockets: a page or app keeps one, a few tabs and devices a few more. */
const DEFAULTS = {
  maxFrameBytes: 1024 * 1024,
  documentsPerSocket: 32,
  recheckSessionMs: 30_000,
  maxSocketsPerCustomer: 8,
};

/** Who opened a socket, and how to ask again whether they still may. */
interface Authenticated {
  readonly caller: Caller;
  /** The customer's session (absent for staff and stores), by which an ended session finds this socket. */
  readonly session?: { readonly customerId: string; readonly sessionId: string };
  readonly stillSignedIn: () => Promise<boolean>;
}

/**
 * The hub's end of automerge-repo's WebSocket protocol at `/automerge`, for web and app clients that hold the cart as
 * an Automerge document. Authentication happens on the upgrade, before any socket exists: a customer's `sfc_` token
 * (`?token=` — browsers cannot set headers on a WebSocket — or `Authorization: Bearer`) or the `sf_customer` cookie,
 * asked of CUSTOMER_SESSIONS; otherwise a staff or store credential as the HTTP API takes it. A refusal is an HTTP
 * problem (401, 403 for a cookie sent from another site's page); the query, which may hold a token, is never logged.
 * What each caller may open is HubDocs' and DocAccess's (a customer: their own cart), exactly as for the stores' sync.
 */
export class AutomergeSockets {
  readonly #wss: WebSocketServer;
  readonly #limits: AutomergeConnectionLimits;
  readonly #live: LiveSessions | undefined;
  readonly #maxPerCustomer: number;
  /** Open sockets by customer id, counted from the upgrade to the close. */
  readonly #perCustomer = new Map<string, number>();
  #serial = 0;

  constructor(
    readonly docs: HubDocs,
    readonly auth: AuthService,
    /** The accounts module's sessions, when it runs (asked at each upgrade, as modules start after the kernel). */
    readonly customers: () => CustomerSessions | undefined,
    readonly log: Logger,
    readonly now: () => number,
    readonly hubPeerId: string,
    options: AutomergeSocketOptions = {},
  ) {
    const o = { ...DEFAULTS, ...options };
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: o.maxFrameBytes });
    this.#limits = { documentsPerSocket: o.documentsPerSocket, recheckSessionMs: o.recheckSessionMs };
    this.#live = options.live;
    this.#maxPerCustomer = o.maxSocketsPerCustomer;
  }

  /** Counts a customer's socket until it closes; false (nothing counted) when they already have the most allowed. */
  #countIn(customerId: string, ws: { once(event: 'close', f: () => void): unknown }): boolean {
    const open = this.#perCustomer.get(customerId) ?? 0;
    if (open >= this.#maxPerCustomer) return false;
    this.#perCustomer.set(customerId, open + 1);
    ws.once('close', () => {
      const left = (this.#perCustomer.get(customerId) ?? 1) - 1;
      if (left > 0) this.#perCustomer.set(customerId, left);
      else this.#perCustomer.delete(customerId);
    });
    return true;
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (pathOf(req.url) !== AUTOMERGE_PATH) return; // ModuleSockets and the stores' sync answer the others
      guardSocket(socket, (err) => this.log.debug({ err }, 'automerge socket failed before the handshake'));
      this.#authenticate(req).then(
        (who) => {
          if (socket.destroyed) return;
          this.#wss.handleUpgrade(req, socket, head, (ws) => {
            ws.on('error', (err) => this.log.debug({ err }, 'automerge socket closed on an invalid frame'));
            const peer = `automerge:${++this.#serial}`;
            const connection = new AutomergeConnection(
              ws,
              peer,
              who.caller,
              this.docs,
              this.log,
              this.#limits,
              who.stillSignedIn,
              this.now,
              this.hubPeerId,
            );
            // the automerge protocol's way to refuse: an `error` frame saying why, then close 1008
            if (who.session && !this.#countIn(who.session.customerId, ws)) return connection.end(TOO_MANY_SOCKETS);
            const forget = this.#live?.add({
              ...who.session,
              stillSignedIn: who.stillSignedIn,
              close: (reason) => connection.end(reason),
            });
            if (forget) ws.once('close', forget);
          });
        },
        (err: unknown) => {
          if (!(err instanceof UnauthorizedError || err instanceof ForbiddenError))
            this.log.error({ err, path: AUTOMERGE_PATH }, 'automerge socket upgrade failed');
          rejectUpgrade(socket, err, AUTOMERGE_PATH);
        },
      );
    });
  }

  async #authenticate(req: IncomingMessage): Promise<Authenticated> {
    const query = new URL(req.url ?? '/', 'http://hub').searchParams.get('token') ?? undefined;
    // The hub's one rule for two kinds of credential (kernel/two-credentials.ts): an explicit token (the query's or a
    // bearer) wins over cookies; two cookies, a customer's and a staff session's, name two callers and are refused.
    const explicit = query || presentedCredential(req.headers.authorization, undefined, '') || undefined;
    const customerCookie = explicit ? undefined : readCookie(req.headers.cookie, CUSTOMER_COOKIE);
    const staffCookie = explicit ? undefined : readCookie(req.headers.cookie, SESSION_COOKIE);
    if (customerCookie && staffCookie) throw new UnauthorizedError(TWO_CALLERS);
    const credential = explicit ?? customerCookie ?? staffCookie;
    if (!credential)
      throw new UnauthorizedError('sign in first (?token=sfc_…, Authorization: Bearer …, or the sf_customer cookie)');
    // A cookie rides along with any page's WebSocket: one opened from another site's page is refused.
    if (!explicit && !sameSiteUpgrade(req))
      throw new ForbiddenError('a cookie-signed socket must be opened from the hub’s own pages');
    if (credential.startsWith(CUSTOMER_TOKEN_PREFIX)) {
      const sessions = this.customers();
      const customer = await sessions?.customerFor(credential);
      if (!customer) throw new UnauthorizedError('the customer session is unknown, ended or expired; sign in again');
      return {
        caller: customer,
        session: { customerId: customer.customerId, sessionId: customer.sessionId },
        stillSignedIn: async () => (await sessions!.customerFor(credential))?.customerId === customer.customerId,
      };
    }
    const principal = await this.auth.principalFor(credential);
    return {
      caller: principal,
      stillSignedIn: () =>
        this.auth.principalFor(credential).then(
          () => true,
          () => false,
        ),
    };
  }

  async close(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}
