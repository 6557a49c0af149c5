import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import {
  AppError,
  CLOSE,
  ForbiddenError,
  guardSocket,
  LIMITS,
  rejectUpgrade,
  UnauthorizedError,
} from '@storefleet/shared';
import { HubSyncSession, type HubSessionOptions } from '@storefleet/sync';
import type { AuthService } from '../auth/auth-service.js';
import { pathOf } from '../http/path-of.js';
import type { SyncRepository } from './sync-repository.js';

export const SYNC_PATH = '/sync';

export interface SyncServerOptions extends Omit<HubSessionOptions, 'replica'> {
  readonly replica: string;
  readonly heartbeatMs?: number;
  /** How often to compare feed heads with the database, in case a change notification was lost (default 30 s). */
  readonly feedCheckMs?: number;
  /** A store's session ended (documents drop its sync states). */
  readonly onSessionClosed?: (storeId: string) => void;
}

/**
 * Accepts store connections on `/sync`. The store's token is checked at the HTTP upgrade (401 before any WebSocket
 * exists); one live session per store (a newer connection replaces an older one); ping/pong heartbeats end
 * connections whose peer vanished; feed notifications from any replica wake the store's session here.
 */
export class SyncServer {
  readonly #wss: WebSocketServer;
  readonly #sessions = new Map<string, { ws: WebSocket; session: HubSyncSession }>();
  readonly #alive = new WeakSet<WebSocket>();
  #heartbeat: NodeJS.Timeout | undefined;
  #feedCheck: NodeJS.Timeout | undefined;

  constructor(
    readonly auth: AuthService,
    readonly repo: SyncRepository,
    readonly log: Logger,
    readonly options: SyncServerOptions,
  ) {
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.maxFrameBytes, perMessageDeflate: false });
  }

  get connectedStores(): string[] {
    return [...this.#sessions.keys()];
  }

  session(storeId: string): HubSyncSession | undefined {
    return this.#sessions.get(storeId)?.session;
  }

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => {
      this.#upgrade(req, socket, head).catch((err: unknown) => {
        this.log.error({ err }, 'sync upgrade failed');
        rejectUpgrade(socket, err);
      });
    });
    const every = this.options.heartbeatMs ?? 15_000;
    this.#heartbeat = setInterval(() => this.#beat(), every);
    this.#heartbeat.unref();
    this.#feedCheck = setInterval(() => void this.checkFeeds(), this.options.feedCheckMs ?? 30_000);
    this.#feedCheck.unref();
  }

  /**
   * The safety net under NOTIFY/NATS: one query for the feed heads of the stores connected here, waking any session
   * that is behind (a notification lost to a failed publish or a dropped listener). Returns how many were behind.
   */
  async checkFeeds(): Promise<number> {
    try {
      const heads = await this.repo.feedHeads(this.connectedStores);
      let behind = 0;
      for (const [storeId, head] of heads) {
        const session = this.#sessions.get(storeId)?.session;
        if (session && session.knownFeedHead < head) {
          behind++;
          session.feedChanged();
        }
      }
      if (behind) this.log.warn({ behind }, 'feed changes found without a notification; stores woken');
      return behind;
    } catch (err) {
      this.log.warn({ err }, 'feed safety check failed; will retry');
      return 0;
    }
  }

  /** A store's feed grew (local or another replica's NOTIFY); `*` means re-check every connected store. */
  feedChanged(storeId: string): void {
    if (storeId === '*') for (const { session } of this.#sessions.values()) session.feedChanged();
    else this.#sessions.get(storeId)?.session.feedChanged();
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    clearInterval(this.#feedCheck);
    for (const { ws } of this.#sessions.values()) ws.close(CLOSE.goingAway, 'hub restarting');
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    for (const { ws } of this.#sessions.values()) ws.terminate();
  }

  /**
   * Every way this can fail ends as an HTTP answer on the socket (401/403 for a credential, 400 for a request that
   * cannot be read); nothing a client sends reaches the process's last-resort handlers.
   */
  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (pathOf(req.url) !== SYNC_PATH) return; // other upgrade handlers own it (or refuse it)
    guardSocket(socket, (err) => this.log.debug({ err }, 'sync upgrade socket failed before the handshake'));
    let storeId: string;
    try {
      const header = req.headers.authorization;
      if (!header?.startsWith('Bearer '))
        throw new UnauthorizedError('a store token is required (Authorization: Bearer …)');
      const principal = await this.auth.principalFor(header.slice(7).trim());
      if (principal.kind !== 'store') throw new ForbiddenError('only store nodes sync over /sync');
      storeId = principal.storeId;
    } catch (err) {
      if (!(err instanceof AppError)) this.log.error({ err }, 'sync upgrade failed');
      return rejectUpgrade(socket, err, SYNC_PATH);
    }
    if (socket.destroyed) return;
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        this.#accept(ws, storeId);
      } catch (err) {
        this.log.error({ err, storeId }, 'could not start a sync session');
        ws.close(CLOSE.internalError, 'the hub could not start this session; reconnect');
      }
    });
  }

  #accept(ws: WebSocket, storeId: string): void {
    const previous = this.#sessions.get(storeId);
    if (previous) {
      previous.session.onClose();
      previous.ws.close(CLOSE.replaced, 'replaced by a newer connection of this store');
    }
    const session = new HubSyncSession(
      storeId,
      { send: (t) => ws.send(t), close: (c, r) => ws.close(c, r), bufferedAmount: () => ws.bufferedAmount },
      this.repo,
      this.log,
      this.options,
    );
    this.#sessions.set(storeId, { ws, session });
    this.#alive.add(ws);
    ws.on('pong', () => this.#alive.add(ws));
    ws.on('message', (data, isBinary) => {
      this.#alive.add(ws);
      if (isBinary)
        return ws.close(CLOSE.unsupportedData, 'binary frame refused: the sync protocol uses JSON text frames only');
      session.onMessage(data.toString());
    });
    ws.on('close', () => {
      session.onClose();
      if (this.#sessions.get(storeId)?.ws === ws) {
        this.#sessions.delete(storeId);
        this.options.onSessionClosed?.(storeId);
      }
    });
    ws.on('error', (err) => this.log.warn({ err, storeId }, 'sync socket error'));
  }

  #beat(): void {
    const seen: string[] = [];
    for (const [storeId, { ws, session }] of this.#sessions) {
      if (!this.#alive.has(ws)) {
        this.log.warn({ storeId }, 'no heartbeat from store; dropping its connection');
        ws.terminate();
        continue;
      }
      this.#alive.delete(ws);
      ws.ping();
      seen.push(storeId);
      if (ws.bufferedAmount === 0) session.drained();
    }
    this.repo
      .touch(seen, this.options.replica)
      .catch((err: unknown) => this.log.warn({ err }, 'could not record heartbeats'));
  }
}
