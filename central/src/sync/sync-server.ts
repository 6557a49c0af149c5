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
import { HubSyncSession, type HubSessionOptions, type HubSyncStorage } from '@storefleet/sync';
import type { AuthService } from '../auth/auth-service.js';
import { DatabaseBusyError, isConnectionError } from '../db/db-unreachable.js';
import { pathOf } from '../http/path-of.js';
import type { SyncRepository } from './sync-repository.js';
import { isTransientDbError } from './transient-errors.js';

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
      outlastingOutages(this.repo, () => this.#sessions.get(storeId)?.ws === ws, this.log, storeId),
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

/** The pause before trying a store's write again while the database is away: doubling from 0.5 s up to 5 s. */
const OUTAGE_PAUSES_MS = [500, 1000, 2000, 5000] as const;

/**
 * The store's writes (a batch, a feed ack, a rebase, a gap skip, a loss report) wait out a database outage instead of
 * failing the frame, which closed the store's connection (issue #27): while the connection stays this store's, a
 * write that fails because the database is unreachable is tried again, so the store gets no ack meanwhile (it keeps
 * its queue, and stops at its upload window), the heartbeat goes on, and the ack follows once the database answers.
 * A batch applied twice is applied once (the origin's acked seq decides), so a commit whose answer was lost is safe.
 * A pool that stayed full (DatabaseBusyError, transient) is waited out the same way, logged as such. Reads are not
 * held: the feed's pump tries again itself, backing off (1 s doubling to 30 s, jittered).
 */
function outlastingOutages(repo: SyncRepository, current: () => boolean, log: Logger, storeId: string): HubSyncStorage {
  const patient =
    <A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      for (let attempt = 0; ; attempt++) {
        try {
          const result = await fn(...args);
          if (attempt > 0)
            log.info({ storeId, attempts: attempt + 1 }, `the store's ${what} went through after an outage`);
          return result;
        } catch (err) {
          if (!current() || !(isConnectionError(err) || isTransientDbError(err))) throw err;
          if (attempt === 0)
            log.warn(
              { err, storeId },
              err instanceof DatabaseBusyError
                ? `the hub's database connections are all in use: the store's ${what} waits for one (its connection stays open)`
                : `database unreachable: the store's ${what} waits for it (its connection stays open)`,
            );
          const pause = OUTAGE_PAUSES_MS[Math.min(attempt, OUTAGE_PAUSES_MS.length - 1)]!;
          await new Promise((resolve) => setTimeout(resolve, pause).unref());
        }
      }
    };
  return {
    open: (id, info) => repo.open(id, info),
    applyBatch: patient('batch', (id, events, pending) => repo.applyBatch(id, events, pending)),
    readFeed: (id, after, limit) => repo.readFeed(id, after, limit),
    feedHead: (id) => repo.feedHead(id),
    ackFeed: patient('feed ack', (id, seq) => repo.ackFeed(id, seq)),
    closed: (id, replica) => repo.closed(id, replica),
    ...(repo.rebaseFeed ? { rebaseFeed: patient('feed rebase', repo.rebaseFeed.bind(repo)) } : {}),
    ...(repo.skipFeedGap ? { skipFeedGap: patient('feed gap skip', repo.skipFeedGap.bind(repo)) } : {}),
    ...(repo.recordLostEvents
      ? { recordLostEvents: patient('report of lost events', repo.recordLostEvents.bind(repo)) }
      : {}),
  };
}
