import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AuthService } from '../auth/auth-service.js';
import {
  AppError,
  CLOSE,
  closeReason,
  ForbiddenError,
  guardSocket,
  presentedCredential,
  redactPath,
  rejectUpgrade,
  UnauthorizedError,
  ValidationError,
} from '@storefleet/shared';
import { SESSION_COOKIE } from '../auth/authenticate.js';
import { SYNC_PATH } from '../sync/sync-server.js';
import { AUTOMERGE_PATH } from '../sync/automerge-repo/index.js';
import { GRAPHQL_PATH } from './graphql/subscriptions.js';
import { pathOf } from '../http/path-of.js';
import type { Principal } from './principal.js';

/**
 * A module's WebSocket endpoint: called for an authenticated upgrade on its path; it owns the socket from then on.
 * Its optional `authorize` runs before the upgrade: a throw (ForbiddenError, NotFoundError…) answers the upgrade with
 * that problem (403, 404…) and no socket opens, so a caller the endpoint refuses never gets a 101.
 */
export type SocketHandler = ((ws: WebSocket, principal: Principal, url: URL) => void) & {
  readonly authorize?: (principal: Principal, url: URL) => void | Promise<void>;
  /**
   * For an endpoint whose callers are not the hub's people or stores (a driver app with its carrier's token): it checks
   * the presented credential itself, in place of the hub's sign-in, and resolves to what serves the socket once open.
   * A throw (UnauthorizedError…) answers the upgrade with that problem, so no socket opens; the handler itself and
   * `authorize` are then never called. See `ownCredentialSocket`.
   */
  readonly credential?: (presented: string, url: URL) => Promise<(ws: WebSocket) => void>;
  /**
   * For an endpoint anyone may open (public data: a show's seat availability): no sign-in is asked and a presented
   * credential is not looked at; it resolves to what serves the socket once open. A throw (NotFoundError…) answers
   * the upgrade with that problem, so no socket opens. See `publicSocket`. `client` is the caller's address as the
   * HTTP API's `req.ip` has it (TRUST_PROXY honoured), for a per-client bound.
   */
  readonly anyone?: (url: URL, client: string) => Promise<(ws: WebSocket) => void>;
};

/**
 * A socket endpoint that authenticates its own callers: `check` turns the presented credential (bearer or cookie)
 * into a caller, or throws (UnauthorizedError → 401); `open` serves the socket for that caller.
 */
export function ownCredentialSocket<C>(
  check: (presented: string, url: URL) => Promise<C>,
  open: (ws: WebSocket, caller: C, url: URL) => void,
): SocketHandler {
  const refuse = () => {
    throw new ForbiddenError('this socket takes its own credential, not a sign-in');
  };
  return Object.assign(refuse, {
    credential: async (presented: string, url: URL) => {
      const caller = await check(presented, url);
      return (ws: WebSocket) => open(ws, caller, url);
    },
  });
}

/**
 * A socket endpoint anyone may open, signed in or not: `check` refuses the upgrade by throwing (it gets the client's
 * address, to bound what one client opens); `open` serves it.
 */
export function publicSocket<C>(
  check: (url: URL, client: string) => Promise<C>,
  open: (ws: WebSocket, checked: C) => void,
): SocketHandler {
  const never = () => {
    throw new ForbiddenError('this socket is open to anyone and takes no sign-in');
  };
  return Object.assign(never, {
    anyone: async (url: URL, client: string) => {
      const checked = await check(url, client);
      return (ws: WebSocket) => open(ws, checked);
    },
  });
}

/**
 * WebSockets for modules under `/api/…` (live carts for web and app clients, console updates), beside the stores'
 * `/sync`. The caller authenticates as for the HTTP API: a bearer token or the session cookie (browsers send it with
 * the upgrade), unless the endpoint checks its own kind of credential (`credential`: drivers' apps) or is open to
 * anyone (`anyone`: a show's live seat map); the longest
 * matching path prefix picks the module's handler. Every upgrade other than `/sync` gets an
 * answer here: a refusal (400 unreadable target or cookie, 401, 404 no such socket) is an HTTP response with a
 * problem+json body, then the socket is destroyed; no input reaches the process's last-resort handlers. A handler's
 * `authorize` refuses a signed-in caller the same way (403/404) before any WebSocket exists.
 */
export class ModuleSockets {
  /** Clients of these sockets only listen (carts, console); a few KiB is plenty for anything they may send. */
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

  constructor(
    readonly auth: AuthService,
    readonly handlers: ReadonlyMap<string, SocketHandler>,
    readonly log?: Logger,
    /** Which hops may say who they forward for (express's compiled `trust proxy`); none when absent. */
    readonly trustProxy: (address: string, hop: number) => boolean = () => false,
  ) {}

  /**
   * The client's address as express's `req.ip` answers it (proxy-addr's walk): the socket's peer, then each
   * X-Forwarded-For entry from the nearest, while the hop before it is trusted. An upgrade never reaches express.
   */
  clientAddress(req: IncomingMessage): string {
    const forwarded = String(req.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '')
      .reverse();
    const hops = [req.socket.remoteAddress ?? 'unknown', ...forwarded];
    let i = 0;
    while (i < hops.length - 1 && this.trustProxy(hops[i]!, i)) i++;
    return hops[i]!;
  }

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => {
      this.#upgrade(req, socket, head).catch((err: unknown) => {
        this.log?.error({ err, url: redactPath(String(req.url)) }, 'module socket upgrade failed');
        rejectUpgrade(socket, err);
      });
    });
  }

  async close(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const pathname = pathOf(req.url);
    // the stores' sync, automerge-repo's and GraphQL subscriptions' (graphql-ws) sockets answer their own upgrades
    if (pathname === SYNC_PATH || pathname === AUTOMERGE_PATH || pathname === GRAPHQL_PATH) return;
    guardSocket(socket, (err) => this.log?.debug({ err }, 'module socket failed before the handshake'));
    let path: string;
    let serve: (ws: WebSocket) => void;
    try {
      if (pathname === undefined)
        throw new ValidationError(`not a valid request target: ${String(req.url).slice(0, 100)}`);
      const match = [...this.handlers.keys()]
        .filter((p) => pathname.startsWith(p))
        .sort((a, b) => b.length - a.length)[0];
      if (!match) throw new AppError('not-found', `no WebSocket endpoint at ${pathname.slice(0, 200)}`);
      path = match;
      const handler = this.handlers.get(path)!;
      const target = new URL(req.url ?? '/', 'http://hub');
      if (handler.anyone) serve = await handler.anyone(target, this.clientAddress(req));
      else {
        const credential = presentedCredential(req.headers.authorization, req.headers.cookie, SESSION_COOKIE);
        if (!credential) throw new UnauthorizedError('sign in first (Authorization: Bearer … or the session cookie)');
        if (handler.credential) serve = await handler.credential(credential, target);
        else {
          const principal = await this.auth.principalFor(credential);
          await handler.authorize?.(principal, target);
          serve = (ws) => handler(ws, principal, target);
        }
      }
    } catch (err) {
      if (!(err instanceof AppError)) this.log?.error({ err }, 'module socket upgrade failed');
      return rejectUpgrade(socket, err, pathname);
    }
    if (socket.destroyed) return;
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      // An invalid frame (unmasked, oversized, bad UTF-8) makes ws close the socket and emit `error`; with no
      // listener that error would end the process. Handlers may add their own.
      ws.on('error', (err) => this.log?.debug({ err, path }, 'module socket closed on an invalid frame'));
      try {
        serve(ws);
      } catch (err) {
        if (!(err instanceof AppError)) this.log?.error({ err, path }, 'a module socket handler failed');
        ws.close(CLOSE.policyViolation, closeReason((err as Error).message));
      }
    });
  }
}
