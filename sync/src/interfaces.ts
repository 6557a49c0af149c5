import type { FeedEntry, FeedPosition, FeedRebaseReport, WireEvent } from '@storefleet/shared';

/**
 * What the sync client needs from the store's database; store-node implements it over SQLite. Calls are
 * synchronous because the store's database is (better-sqlite3); a throw stops the current step and is shown in status.
 */
export interface StoreSyncStorage {
  readonly storeId: string;
  outboxHead(): number;
  /** Highest seq the hub has acknowledged, as recorded locally. */
  ackedSeq(): number;
  /** Contiguous events from `fromSeq`, at most `maxEvents` and about `maxBytes` of payload (at least one). */
  readBatch(fromSeq: number, maxEvents: number, maxBytes: number): WireEvent[];
  markAcked(seq: number): void;
  /**
   * Called with the hub's position for this origin before uploading resumes. When the store's own event at that seq
   * is missing or differs (its disk was replaced or restored from a backup), the hub holds events this file never
   * had: renumber every event the hub has not confirmed to follow the hub's position, so none is taken for a
   * duplicate. Returns how many were renumbered.
   */
  reconcile(hubAckedSeq: number, hubAckedHlc: string | null): number;
  feedCursor(): number;
  /**
   * Applies the entries after the cursor in one transaction, each exactly once; returns the new cursor. An entry its
   * handler refuses is parked (kept, counted in `feedParked`) and the rest apply; a throw means the store itself
   * failed (its disk), nothing of the page is applied, and the client retries after a backoff.
   */
  applyFeed(entries: readonly FeedEntry[]): number;
  /** Feed entries parked so far and the latest one (shown in the sync status and reported to the hub). */
  feedParked?(): FeedParkedSummary;
  /** The hub's clock reading (welcome, feed entries): merged into the store's HLC so effects order after causes. */
  observeHubTime(wallMs: number): void;
  /**
   * The feed entry applied last (`seq` is the cursor; `createdAt` as the hub wrote it, null when it was applied before
   * this was recorded), or null before any. Compared with the hub's `feedAt` after each welcome, to notice a hub
   * restored from an older backup. Without it the store never asks for a feed rebase.
   */
  feedPosition?(): { readonly seq: number; readonly createdAt: number | null } | null;
  /** Records the hub's createdAt for the entry at the cursor, when `feedPosition` did not know it. */
  adoptFeedPosition?(at: FeedPosition): void;
  /** Records that the hub rebased this store's feed (kept for the sync status). */
  recordFeedRebase?(report: FeedRebaseReport): void;
  /** The last feed rebase recorded, or null. */
  lastFeedRebase?(): FeedRebaseReport | null;
  /**
   * The hub says feed entries `fromSeq`–`toSeq` are gone (`feed-skip`): when the cursor is at `fromSeq − 1` or more
   * and below `toSeq`, moves it to `toSeq` and records the skip (kept for the sync status); returns whether it did.
   * Absent: the store ignores `feed-skip` and a page past a gap stops its feed as before.
   */
  skipFeed?(skip: FeedSkip): boolean;
  /** The last skip recorded, or null. */
  lastFeedSkip?(): FeedSkip | null;
  /** Records that this store told the hub its events `fromSeq`–`toSeq` are lost (kept for the sync status). */
  recordLostEvents?(lost: LostEvents): void;
  /** The last loss recorded, or null. */
  lostEvents?(): LostEvents | null;
}

/** Feed entries the hub said were gone (`feed-skip`) and the store skipped: which, why, when (store clock). */
export interface FeedSkip {
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly reason: string;
  readonly at: number;
}

/**
 * Events the hub lacks and the store no longer holds (pruned after a hub acknowledged them, then the hub was restored
 * from an older backup), as the store reported them with `events-lost`; `at` is when (store clock, epoch ms).
 */
export interface LostEvents {
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly at: number;
}

/**
 * The feed entries a store has parked (read by the sync client for its status after every step, and sent to a hub
 * that takes it in `feed-ack`): how many, and the most recent one with the handler's reason.
 */
export interface FeedParkedSummary {
  readonly count: number;
  readonly latest: {
    readonly seq: number;
    readonly type: string;
    readonly reason: string;
    readonly parkedAt: number;
  } | null;
}

/** A connected socket as the client sees it. */
export interface ClientTransport {
  send(text: string): void;
  close(code: number, reason: string): void;
}

export interface ConnectionHandlers {
  onMessage(text: string): void;
  onClose(code: number, reason: string): void;
}

/** Opens one connection to the hub (with the store's credential); rejects when it cannot. */
export interface Connector {
  connect(handlers: ConnectionHandlers): Promise<ClientTransport>;
}

/** What the hub session needs from the hub's database; central implements it over Postgres/PGlite. */
export interface HubSyncStorage {
  /** Records the connection; returns what the hub holds from this origin and the head of its feed. */
  open(
    storeId: string,
    info: { protocol: number; outboxHead: number; feedCursor: number; replica: string },
  ): Promise<{
    ackedSeq: number;
    ackedHlc: string | null;
    feedHead: number;
    /** The store's feed cursor as this hub recorded it from acks (absent: taken to be the store's own). */
    feedAcked?: number;
    /** The entry this hub holds at the store's cursor (null: none to compare); absent when it cannot rebase. */
    feedAt?: FeedPosition | null;
    /** The hub rebased the store's feed while opening (the cursor was past its head, or at an entry it lacks). */
    feedRebased?: FeedRebaseReport;
    /** The store's feed needed a rebase the hub refuses (cursor far past its head, too many rebases): why. */
    feedRefused?: string;
  }>;
  /**
   * The store says the entry this hub holds at its cursor is not the one it applied (`at`): under a lock on the
   * store's feed, and only if they still differ, renumbers what the store may lack to follow `cursor`, appends each
   * module's reconcile entries, and records the rebase. Returns the new head and the rebase, or null when there was
   * nothing to rebase; `refused` (why, nothing changed) when the claim would move the feed too far or too often.
   * Absent: the hub does not offer `feed-rebase`.
   */
  rebaseFeed?(
    storeId: string,
    claim: { cursor: number; at: FeedPosition | null },
  ): Promise<{ head: number; rebased: FeedRebaseReport | null } | { refused: string }>;
  /**
   * The store's feed after `cursor` starts past a gap (entries removed by retention after a store disk acknowledged
   * them, or renumbered past them). Under the lock on the store's feed, checks the gap again and makes sure a reconcile
   * entry follows it; returns the gap's last seq and the head, or null when there is no gap after all. Called before
   * the session tells the store to skip it. Absent: the session measures the gap from the page alone.
   */
  skipFeedGap?(storeId: string, cursor: number): Promise<{ toSeq: number; head: number; reconciled: number } | null>;
  /**
   * Applies a well-formed batch in one transaction under a lock on the origin, using `decideBatch`; returns the
   * highest contiguous seq now held, and `gapFrom` when the batch started past a gap (nothing applied then).
   */
  applyBatch(
    storeId: string,
    events: readonly WireEvent[],
    pending: number | undefined,
  ): Promise<{ ackedSeq: number; gapFrom?: number }>;
  /**
   * The store says it no longer holds events `fromSeq`–`toSeq` the hub lacks. Under the origin's lock (the one
   * `applyBatch` takes), and only when `fromSeq` is the hub's acked seq + 1 and the hub holds none of the range: records
   * the loss with the store's `reason` and moves the acked seq to `toSeq` (`recorded`). The same report again, once
   * recorded, changes nothing and answers the acked seq. Anything else answers `refused` (why) and changes nothing.
   * Absent: the hub does not offer `events-lost`.
   */
  recordLostEvents?(
    storeId: string,
    lost: { fromSeq: number; toSeq: number; reason: string },
  ): Promise<{ ackedSeq: number; recorded: boolean } | { refused: string }>;
  readFeed(storeId: string, afterSeq: number, limit: number): Promise<FeedEntry[]>;
  feedHead(storeId: string): Promise<number>;
  ackFeed(storeId: string, seq: number): Promise<void>;
  closed(storeId: string, replica: string): Promise<void>;
}

/** A connected socket as the hub sees it. */
export interface ServerTransport {
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Bytes queued but not yet written to the network (backpressure). */
  bufferedAmount(): number;
}

/** Automerge document sync riding on the same socket (protocol ≥ 2). */
export interface DocChannel {
  /** A `doc-sync` frame arrived from the peer. */
  receive(docId: string, data: Uint8Array): Promise<void> | void;
}

export interface SyncLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
