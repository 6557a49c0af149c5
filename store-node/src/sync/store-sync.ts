import { backoffDelay, SyncClient, type SyncClientOptions, type SyncLogger, type SyncStatus } from '@storefleet/sync';
import { Bootstrapper } from './bootstrap.js';
import { DiskStatus } from './disk-status.js';
import type { SqliteDb } from '../db/open-sqlite.js';
import { hubGetter } from '../hub-link/hub-get.js';
import type { HubLink } from '../hub-link/hub-link.js';
import { FeedHandlerRegistry } from './feed-handlers.js';
import { GroupCommit } from './group-commit.js';
import { StoreDocs } from './store-docs.js';
import { SqliteOutbox, type OutboxEvent } from './outbox.js';
import { SqliteSyncStorage } from './sqlite-sync-storage.js';
import type { ReplayedEntry } from './parked-feed.js';
import { WsConnector } from './ws-connector.js';

/** Appends an event to the outbox in the current transaction; `emit.all` appends several in one statement. */
export interface Emit {
  (type: string, payload: unknown): OutboxEvent;
  all(events: readonly { type: string; payload: unknown }[]): OutboxEvent[];
}

/** What a replay of the parked feed did (`POST /api/sync/parked-feed/replay`, and at every start). */
export interface ParkedFeedReplay {
  /** Entries whose type has a handler now, tried in seq order. */
  readonly tried: number;
  readonly applied: number;
  /** The entries refused again (the first 100), each with its new reason; they stay parked. */
  readonly refused: readonly ReplayedEntry[];
  /** Entries still parked after the replay (refused again, or still without a handler). */
  readonly parked: number;
}

/** Parked entries replayed per transaction; the lanes' requests get in between. */
const REPLAY_STEP = 200;
const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface StoreSyncOptions extends Pick<SyncClientOptions, 'protocol' | 'backoff' | 'onStatus' | 'healthyMs'> {
  readonly silenceMs?: number;
}

/**
 * The store node's sync: the outbox, the feed handlers, and (when a hub is configured) the client that keeps them in
 * step with the hub. Modules write through `write`, the one call that puts a change and its events in one
 * transaction and then wakes the uploader.
 */
export class StoreSync {
  readonly outbox: SqliteOutbox;
  readonly feedHandlers = new FeedHandlerRegistry();
  readonly storage: SqliteSyncStorage;
  readonly client: SyncClient | undefined;
  readonly docs: StoreDocs;
  readonly bootstrap: Bootstrapper | undefined;
  /** Whether the store's disk is full (a write refused for lack of space, until one succeeds); the hub is told. */
  readonly disk: DiskStatus;
  readonly #group: GroupCommit;
  readonly #emit: Emit;
  #stopped = true;
  #retry: NodeJS.Timeout | undefined;
  #replaying: Promise<unknown> = Promise.resolve();

  constructor(
    readonly db: SqliteDb,
    readonly storeId: string,
    hub: { url: string; link: HubLink } | undefined,
    readonly log: SyncLogger,
    now: () => number,
    options: StoreSyncOptions = {},
  ) {
    this.outbox = new SqliteOutbox(db, storeId, now);
    this.disk = new DiskStatus(now);
    this.#group = new GroupCommit(db);
    this.#emit = Object.assign((type: string, payload: unknown) => this.outbox.append(type, payload), {
      all: (events: readonly { type: string; payload: unknown }[]) => this.outbox.appendAll(events),
    });
    this.storage = new SqliteSyncStorage(db, storeId, this.outbox, this.feedHandlers, now);
    this.bootstrap = hub
      ? new Bootstrapper(
          db,
          hubGetter(
            hub.url,
            () => hub.link.token(),
            undefined,
            (t, why) => hub.link.refused(t, why),
            hub.link.fetch,
          ),
          log,
          now,
        )
      : undefined;
    this.docs = new StoreDocs(db, (docId, data) => this.client?.sendDoc(docId, data) ?? false, log, now);
    this.client = hub
      ? new SyncClient(
          this.storage,
          new WsConnector(hub.url, () => hub.link.token(), {
            silenceMs: options.silenceMs,
            onTokenRefused: (t, why) => hub.link.refused(t, why),
            tls: hub.link.tls,
          }),
          log,
          {
            ...options,
            now,
            onDocSync: (docId, data) => this.docs.receive(docId, data),
            onConnected: (hub) => this.docs.connected(hub),
            onDocError: (docId) => this.docs.refused(docId),
            onDiskFull: (err) => this.disk.failed(err),
            onFeedSkip: () => {
              try {
                this.bootstrap?.feedSkipped();
              } catch (err) {
                this.disk.failed(err);
                log.error({ err }, 'could not mark the sections to pull again after a feed skip');
              }
            },
          },
        )
      : undefined;
    this.disk.onChange((disk) => this.client?.reportDisk(disk));
  }

  /** Runs `change` in one IMMEDIATE transaction with `emit` for its events; after commit, wakes the uploader. */
  write<T>(change: (emit: Emit) => T): T {
    let result: T;
    try {
      result = this.db.transaction(() => change(this.#emit)).immediate();
    } catch (err) {
      this.disk.failed(err);
      throw err;
    }
    this.disk.succeeded();
    this.client?.outboxChanged();
    return result;
  }

  /**
   * Like `write`, but shares one commit (one fsync) with the other changes submitted in the same event-loop turn;
   * resolves once committed. For the hot path of many lanes closing sales at once.
   */
  async writeGrouped<T>(change: (emit: Emit) => T): Promise<T> {
    let result: T;
    try {
      result = await this.#group.submit(() => change(this.#emit));
    } catch (err) {
      this.disk.failed(err);
      throw err;
    }
    this.disk.succeeded();
    this.client?.outboxChanged();
    return result;
  }

  /** Sales per commit so far: how much the group commit is sharing. */
  groupStats(): { commits: number; changes: number } {
    return { commits: this.#group.commits, changes: this.#group.changes };
  }

  status(): SyncStatus {
    if (this.client) return this.client.status;
    const head = this.outbox.head();
    const acked = this.storage.ackedSeq();
    const parked = this.storage.feedParked();
    return {
      phase: 'offline',
      ackedSeq: acked,
      outboxHead: head,
      pendingUp: head - acked,
      feedCursor: this.storage.feedCursor(),
      feedHead: this.storage.feedCursor(),
      lastError: 'no hub configured',
      lastHubContactAt: null,
      reconnects: 0,
      parkedFeed: parked.count,
      lastParkedFeed: parked.latest,
    };
  }

  /**
   * Replays the parked feed entries whose type has a handler now (after an upgrade or a fix), in seq order, each as
   * the feed would apply it (`SqliteParkedFeed.replayStep`); `by` is kept with each one resolved (`start-up`, or the
   * caller). One replay at a time: a second waits for the first. A failure of the store's own disk stops it (what is
   * not replayed stays parked, nothing is lost) and rejects. Entries applied since may be newer than a replayed one:
   * each handler keeps the newer version.
   */
  replayParkedFeed(by: string, only: { seq?: number; type?: string } = {}): Promise<ParkedFeedReplay> {
    const run = this.#replaying.then(() => this.#replay(by, only));
    this.#replaying = run.catch(() => undefined);
    return run;
  }

  async #replay(by: string, only: { seq?: number; type?: string }): Promise<ParkedFeedReplay> {
    let tried = 0;
    let applied = 0;
    const refused: ReplayedEntry[] = [];
    for (let after = 0; ; ) {
      let step: ReturnType<SqliteSyncStorage['parked']['replayStep']>;
      try {
        step = this.storage.parked.replayStep(by, after, REPLAY_STEP, only);
      } catch (err) {
        this.disk.failed(err);
        throw err;
      }
      tried += step.replayed.length;
      for (const r of step.replayed) {
        if (r.outcome === 'applied') applied++;
        else if (refused.length < 100) refused.push(r);
      }
      if (!step.more) break;
      after = step.lastSeq;
      await yieldToRequests();
      if (!this.db.open)
        throw new Error(
          'the store node stopped during the replay of its parked feed; the rest is replayed at the next start',
        );
    }
    const parked = this.storage.parked.summary().count;
    if (tried) this.log.info({ by, tried, applied, refused: tried - applied, parked }, 'replayed parked feed entries');
    return { tried, applied, refused, parked };
  }

  /** Starts syncing; a fresh file first bootstraps from the hub (retried with backoff until it succeeds). */
  start(): void {
    this.#stopped = false;
    if (!this.bootstrap?.needed()) {
      this.bootstrap?.resumeRefresh();
      this.client?.start();
      return;
    }
    const attempt = (n: number) => {
      this.bootstrap!.run().then(
        () => {
          if (!this.#stopped) this.client?.start();
        },
        (err: unknown) => {
          if (this.#stopped) return;
          this.log.warn(
            { err: (err as Error).message, attempt: n },
            'bootstrap from the hub failed; it resumes where it stopped',
          );
          this.#retry = setTimeout(() => attempt(n + 1), backoffDelay(n, { baseMs: 1000, capMs: 30_000 }));
          this.#retry.unref();
        },
      );
    };
    attempt(0);
  }

  stop(): void {
    this.#group.flush();
    this.#stopped = true;
    clearTimeout(this.#retry);
    this.bootstrap?.stop();
    this.client?.stop();
  }
}
