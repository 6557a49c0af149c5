import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AuthService } from '../auth/auth-service.js';
import { presentedCredential } from '@storefleet/shared';
import { SESSION_COOKIE } from '../auth/authenticate.js';
import type { Principal } from './principal.js';

/** A module's WebSocket endpoint: called for an authenticated upgrade on its path; it owns the socket from then on. */
export type SocketHandler = (ws: WebSocket, principal: Principal, url: URL) => void;

/**
 * WebSockets for modules under `/api/…` (live carts for web and app clients, console updates), beside the stores'
 * `/sync`. The caller authenticates as for the HTTP API: a bearer token or the session cookie (browsers send it with
 * the upgrade); the longest matching path prefix picks the module's handler.
 */
export class ModuleSockets {
  readonly #wss = new WebSocketServer({ noServer: true });

  constructor(
    readonly auth: AuthService,
    readonly handlers: ReadonlyMap<string, SocketHandler>,
  ) {}

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => void this.#upgrade(req, socket, head));
  }

  async close(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://hub');
    const path = [...this.handlers.keys()].filter((p) => url.pathname.startsWith(p)).sort((a, b) => b.length - a.length)[0];
    if (!path) return; // /sync or nobody's: another upgrade handler owns it, or the socket times out
    const reject = (status: number, detail: string): void => {
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\ncontent-type: application/problem+json\r\nconnection: close\r\n\r\n${JSON.stringify({ status, detail })}`);
    };
    const credential = presentedCredential(req.headers.authorization, req.headers.cookie, SESSION_COOKIE);
    if (!credential) return reject(401, 'sign in first (Authorization: Bearer … or the session cookie)');
    let principal: Principal;
    try {
      principal = await this.auth.principalFor(credential);
    } catch (err) {
      return reject(401, (err as Error).message);
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        this.handlers.get(path)!(ws, principal, url);
      } catch (err) {
        ws.close(1008, (err as Error).message.slice(0, 120));
      }
    });
  }
}
