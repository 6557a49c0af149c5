import { isDeepStrictEqual } from 'node:util';
import { decideBatch, type HubSyncStorage } from '@storefleet/sync';
import type { FeedEntry, FeedPosition, FeedRebaseReport, WireEvent } from '@storefleet/shared';
import type { Db, Queryable } from '../db/db.js';
import type { AppliedEvent, EventHandlerRegistry } from '../kernel/event-handlers.js';
import { applyIsolated } from './apply-isolated.js';
import { ParkedReplay } from './parked-replay.js';
import type { FeedRebase } from './feed-rebase.js';
import { retryTransient, type RetryOptions } from './transient-errors.js';

export interface ApplyStats {
  applied: number;
  parked: number;
  /** Transactions (uploads and replays) tried again after a transient database error. */
  retries: number;
  /** Events acknowledged without applying: the hub already held them under other seqs (a restored store file). */
  repeats: number;
}

/** Where the repository tells operators what they should know (the hub's pino logger fits). */
export interface SyncLog {
  warn(fields: object, message: string): void;
}

/**
 * The hub's sync storage over Postgres/PGlite: every SQL statement of the sync engine's hub side lives here.
 * A batch applies in one transaction that first locks the origin's row, so concurrent connections of one store (a
 * reconnect racing the old socket) are serialised and each seq is applied once.
 */
export class SyncRepository implements HubSyncStorage {
  readonly stats: ApplyStats = { applied: 0, parked: 0, retries: 0, repeats: 0 };

  constructor(
    readonly db: Db,
    readonly handlers: EventHandlerRegistry,
    readonly now: () => number,
    /** How transient database errors are retried (tests shorten the pauses; a log line per retry). */
    retry: RetryOptions = {},
    /** Told when a batch repeated events the hub already held (a store file restored from a backup). */
    readonly log?: SyncLog,
    /** Feed identity checks and rebases after a hub restore; without it stores are not offered `feed-rebase`. */
    readonly feedRebase?: FeedRebase,
  ) {
    this.retry = {
      ...retry,
      onRetry: (err, attempt) => {
        this.stats.retries++;
        retry.onRetry?.(err, attempt);
      },
    };
    this.replay = new ParkedReplay(db, handlers, now, this.retry, (n) => {
      this.stats.applied += n;
    });
  }

  /** Replays of parked events, through the same handlers, isolation and retries as an upload. */
  readonly replay: ParkedReplay;
  readonly retry: RetryOptions;

  async open(storeId: string, info: { protocol: number; outboxHead: number; feedCursor: number; replica: string }) {
    const now = this.now();
    return this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO sync_origins (store_id, outbox_head) VALUES ($1, $2)
         ON CONFLICT (store_id) DO UPDATE SET outbox_head = GREATEST(sync_origins.outbox_head, $2)`,
        [storeId, info.outboxHead],
      );
      await tx.query(
        `INSERT INTO sync_connections (store_id, replica, protocol, connected, connected_at, last_seen_at) VALUES ($1, $2, $3, true, $4, $4)
         ON CONFLICT (store_id) DO UPDATE SET replica = $2, protocol = $3, connected = true, connected_at = $4, last_seen_at = $4`,
        [storeId, info.replica, info.protocol, now],
      );
      // With feed identity checks, a cursor is recorded only from feed-acks: one from `hello` may be past entries a
      // restored hub wrote anew under the same seqs, and would hide them from a rebase.
      const feed = this.feedRebase ? await this.feedRebase.onOpen(tx, storeId, info.feedCursor) : undefined;
      if (!feed) await this.#recordCursor(tx, storeId, info.feedCursor, now);
      const { rows } = await tx.query<{ acked_seq: number; head: number | null; hlc: string | null }>(
        `SELECT o.acked_seq, h.head, e.hlc FROM sync_origins o
         LEFT JOIN sync_feed_heads h ON h.store_id = o.store_id
         LEFT JOIN sync_events e ON e.origin = o.store_id AND e.seq = o.acked_seq
         WHERE o.store_id = $1`,
        [storeId],
      );
      const known = { ackedSeq: rows[0]!.acked_seq, ackedHlc: rows[0]!.hlc, feedHead: rows[0]!.head ?? 0 };
      if (!feed) return known;
      const { feedAcked, feedAt, feedRebased, feedRefused } = feed;
      return {
        ...known,
        feedAcked,
        feedAt,
        ...(feedRebased ? { feedRebased } : {}),
        ...(feedRefused ? { feedRefused } : {}),
      };
    });
  }

  /** The store applied another entry at its cursor than this hub holds there; see FeedRebase.onClaim. */
  async rebaseFeed(
    storeId: string,
    claim: { cursor: number; at: FeedPosition | null },
  ): Promise<{ head: number; rebased: FeedRebaseReport | null } | { refused: string }> {
    const rebase = this.feedRebase;
    if (!rebase) return { head: await this.feedHead(storeId), rebased: null };
    return retryTransient(
      () => this.db.transaction((tx) => rebase.onClaim(tx, storeId, claim.cursor, claim.at)),
      this.retry,
    );
  }

  /** The entries after `cursor` start past a gap: see FeedRebase.onGap (without it, only the gap is measured). */
  async skipFeedGap(
    storeId: string,
    cursor: number,
  ): Promise<{ toSeq: number; head: number; reconciled: number } | null> {
    const rebase = this.feedRebase;
    if (rebase) return retryTransient(() => this.db.transaction((tx) => rebase.onGap(tx, storeId, cursor)), this.retry);
    const { rows } = await this.db.query<{ next: number | null }>(
      'SELECT min(seq) AS next FROM sync_feed WHERE store_id = $1 AND seq > $2',
      [storeId, cursor],
    );
    const next = rows[0]?.next === null || rows[0]?.next === undefined ? null : Number(rows[0].next);
    return next === null || next === cursor + 1
      ? null
      : { toSeq: next - 1, head: await this.feedHead(storeId), reconciled: 0 };
  }

  /**
   * Applies a batch once (the origin's row lock and UNIQUE (origin, seq) guard it). An event that fails on its own is
   * parked alone and the rest of its run applies; a transient database error (deadlock, serialization failure, lost
   * connection) retries the whole transaction a few times and parks nothing — if it persists, the error reaches the
   * session and the store resends later. An event the hub already holds under another seq (same HLC, type and
   * payload: a store file restored from a backup renumbered and resent it) is recorded at its new seq as a repeat and
   * acknowledged, but no handler sees it again.
   */
  async applyBatch(
    storeId: string,
    events: readonly WireEvent[],
    pending: number | undefined,
  ): Promise<{ ackedSeq: number; gapFrom?: number }> {
    const outcome = await retryTransient(() => this.#applyOnce(storeId, events, pending), this.retry);
    this.stats.applied += outcome.applied;
    this.stats.parked += outcome.parked;
    if (outcome.repeats) {
      this.stats.repeats += outcome.repeats;
      this.log?.warn(
        { storeId, repeats: outcome.repeats, ackedSeq: outcome.answer.ackedSeq },
        `${outcome.repeats} events this store had already sent under other numbers (a restored store file) were acknowledged without applying them`,
      );
    }
    return outcome.answer;
  }

  async #applyOnce(storeId: string, events: readonly WireEvent[], pending: number | undefined) {
    const now = this.now();
    return this.db.transaction(
      async (
        tx,
      ): Promise<{
        answer: { ackedSeq: number; gapFrom?: number };
        applied: number;
        parked: number;
        repeats: number;
      }> => {
        await tx.query('INSERT INTO sync_origins (store_id) VALUES ($1) ON CONFLICT (store_id) DO NOTHING', [storeId]);
        const { rows } = await tx.query<{ acked_seq: number; newest_hlc: string | null }>(
          'SELECT acked_seq, newest_hlc FROM sync_origins WHERE store_id = $1 FOR UPDATE',
          [storeId],
        );
        const acked = rows[0]!.acked_seq;
        const newest = rows[0]!.newest_hlc;
        const decision = decideBatch(events, acked);
        if (decision.kind === 'gap')
          return { answer: { ackedSeq: acked, gapFrom: decision.fromSeq }, applied: 0, parked: 0, repeats: 0 };
        if (decision.kind === 'duplicate') return { answer: { ackedSeq: acked }, applied: 0, parked: 0, repeats: 0 };
        const fresh = decision.events;
        // Only an event stamped at or before the newest HLC the hub holds can be one it holds: a store's stamps rise
        // with its seqs, so this is no event at all unless a store file went back in time (a restore). No mark (null)
        // means unknown — an origin the hub held before migration 010, or a new one — so every event is looked up.
        const heldAt = await this.#heldAlready(
          tx,
          storeId,
          newest === null ? fresh : fresh.filter((e) => e.hlc <= newest),
        );
        const inserted = await tx.query(
          `INSERT INTO sync_events (origin, seq, hlc, type, payload, received_at, repeat_of)
         SELECT $1, s, h, t, p, $6, r FROM unnest($2::bigint[], $3::text[], $4::text[], $5::jsonb[], $7::bigint[]) AS x(s, h, t, p, r)
         ON CONFLICT (origin, seq) DO NOTHING`,
          [
            storeId,
            fresh.map((e) => e.seq),
            fresh.map((e) => e.hlc),
            fresh.map((e) => e.type),
            fresh.map((e) => (heldAt.has(e.seq) ? null : JSON.stringify(e.payload ?? null))),
            now,
            fresh.map((e) => heldAt.get(e.seq) ?? null),
          ],
        );
        if (inserted.rowCount !== fresh.length) {
          throw new Error(
            `store ${storeId}: sync_events already holds seqs past acked_seq ${acked}; refusing to apply twice`,
          );
        }
        let applied = 0;
        let parked = 0;
        for (const run of runsByType(fresh.filter((e) => !heldAt.has(e.seq)))) {
          const handle = this.handlers.get(run[0]!.type);
          if (!handle) {
            await this.#park(tx, storeId, run, `no module handles event type ${run[0]!.type}`, now);
            parked += run.length;
            continue;
          }
          const failures = await applyIsolated(
            tx,
            handle,
            run.map(
              (e) =>
                ({ origin: storeId, seq: e.seq, hlc: e.hlc, type: e.type, payload: e.payload }) satisfies AppliedEvent,
            ),
          );
          for (const f of failures) await this.#park(tx, storeId, [f.event], f.reason, now);
          parked += failures.length;
          applied += run.length - failures.length;
        }
        const last = fresh[fresh.length - 1]!.seq;
        await tx.query(
          `UPDATE sync_origins SET acked_seq = $2, outbox_head = GREATEST(outbox_head, $3), last_event_at = $4, newest_hlc = $5 WHERE store_id = $1`,
          [storeId, last, last + (pending ?? 0), now, nextNewestHlc(newest, fresh, heldAt.size)],
        );
        return { answer: { ackedSeq: last }, applied, parked, repeats: heldAt.size };
      },
    );
  }

  /**
   * Which of these events the hub already holds from this origin under an earlier seq, applied, parked or archived
   * (retention moves events past 30 days to sync_events_archive; a detached month is no longer seen): the same
   * HLC (a store never stamps two events alike) with the same type and payload. Maps each repeat's seq to the seq
   * that holds it. Same HLC with other content is a different event. One indexed lookup by HLC per batch; contents
   * are compared only for what it finds (nothing, unless a restored store file is resending).
   */
  async #heldAlready(tx: Queryable, storeId: string, events: readonly WireEvent[]): Promise<Map<number, number>> {
    if (!events.length) return new Map();
    const { rows } = await tx.query<{ seq: number; hlc: string; type: string; payload: unknown }>(
      `SELECT seq, hlc, type, payload FROM sync_events WHERE origin = $1 AND hlc = ANY($2::text[]) AND repeat_of IS NULL
       UNION ALL
       SELECT seq, hlc, type, payload FROM sync_parked WHERE origin = $1 AND hlc = ANY($2::text[])
       UNION ALL
       SELECT seq, hlc, type, payload FROM sync_events_archive WHERE origin = $1 AND hlc = ANY($2::text[]) AND repeat_of IS NULL`,
      [storeId, events.map((e) => e.hlc)],
    );
    const heldAt = new Map<number, number>();
    if (!rows.length) return heldAt;
    const byHlc = new Map<string, typeof rows>();
    for (const r of rows) byHlc.set(r.hlc, [...(byHlc.get(r.hlc) ?? []), r]);
    for (const e of events) {
      for (const r of byHlc.get(e.hlc) ?? []) {
        const seq = Number(r.seq);
        if (seq >= e.seq || r.type !== e.type || !isDeepStrictEqual(r.payload, e.payload ?? null)) continue;
        heldAt.set(e.seq, Math.min(heldAt.get(e.seq) ?? seq, seq));
      }
    }
    return heldAt;
  }

  /**
   * The store no longer holds events `fromSeq`–`toSeq` that this hub lacks (restored from a backup older than the
   * store keeps acknowledged events). Under the origin's row lock, as a batch: taken only for exactly the gap after
   * acked_seq and a range holding none of the hub's events, then recorded in sync_lost_ranges and acked_seq moved to
   * `toSeq`, so the store's uploads go on. The same report again answers acked_seq and records nothing.
   */
  async recordLostEvents(
    storeId: string,
    lost: { fromSeq: number; toSeq: number; reason: string },
  ): Promise<{ ackedSeq: number; recorded: boolean } | { refused: string }> {
    const now = this.now();
    return retryTransient(
      () =>
        this.db.transaction(async (tx) => {
          await tx.query('INSERT INTO sync_origins (store_id) VALUES ($1) ON CONFLICT (store_id) DO NOTHING', [
            storeId,
          ]);
          const { rows } = await tx.query<{ acked_seq: number }>(
            'SELECT acked_seq FROM sync_origins WHERE store_id = $1 FOR UPDATE',
            [storeId],
          );
          const acked = Number(rows[0]!.acked_seq);
          const same = await tx.query(
            'SELECT 1 FROM sync_lost_ranges WHERE store_id = $1 AND from_seq = $2 AND to_seq = $3',
            [storeId, lost.fromSeq, lost.toSeq],
          );
          if (same.rows.length && acked >= lost.toSeq) return { ackedSeq: acked, recorded: false };
          if (lost.fromSeq !== acked + 1) {
            return {
              refused: `the hub holds this store's events up to ${acked}, so only a gap starting at ${acked + 1} can be reported lost`,
            };
          }
          const held = await tx.query<{ seq: number }>(
            'SELECT seq FROM sync_events WHERE origin = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq LIMIT 1',
            [storeId, lost.fromSeq, lost.toSeq],
          );
          if (held.rows.length)
            return { refused: `the hub holds event ${Number(held.rows[0]!.seq)} of this store, inside the range` };
          // A row at this start survives only from before a later restore: the newer report replaces it.
          await tx.query(
            `INSERT INTO sync_lost_ranges (store_id, from_seq, to_seq, reported_at, reason) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (store_id, from_seq) DO UPDATE SET to_seq = $3, reported_at = $4, reason = $5`,
            [storeId, lost.fromSeq, lost.toSeq, now, lost.reason],
          );
          await tx.query(
            'UPDATE sync_origins SET acked_seq = $2, outbox_head = GREATEST(outbox_head, $2) WHERE store_id = $1',
            [storeId, lost.toSeq],
          );
          return { ackedSeq: lost.toSeq, recorded: true };
        }),
      this.retry,
    );
  }

  async readFeed(storeId: string, afterSeq: number, limit: number): Promise<FeedEntry[]> {
    const { rows } = await this.db.query<{ seq: number; type: string; payload: unknown; created_at: number }>(
      'SELECT seq, type, payload, created_at FROM sync_feed WHERE store_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [storeId, afterSeq, limit],
    );
    return rows.map((r) => ({ seq: r.seq, type: r.type, payload: r.payload, createdAt: r.created_at }));
  }

  async feedHead(storeId: string): Promise<number> {
    const { rows } = await this.db.query<{ head: number }>('SELECT head FROM sync_feed_heads WHERE store_id = $1', [
      storeId,
    ]);
    return rows[0]?.head ?? 0;
  }

  async ackFeed(storeId: string, seq: number): Promise<void> {
    await this.#recordCursor(this.db, storeId, seq, this.now());
  }

  async closed(storeId: string, replica: string): Promise<void> {
    await this.db.query(
      'UPDATE sync_connections SET connected = false, last_seen_at = $3 WHERE store_id = $1 AND replica = $2',
      [storeId, replica, this.now()],
    );
  }

  /** Marks stores this replica holds as seen now (heartbeats), in one statement. */
  async touch(storeIds: readonly string[], replica: string): Promise<void> {
    if (!storeIds.length) return;
    await this.db.query(
      'UPDATE sync_connections SET last_seen_at = $3 WHERE store_id = ANY($1::uuid[]) AND replica = $2',
      [storeIds, replica, this.now()],
    );
  }

  async feedHeads(storeIds: readonly string[]): Promise<Map<string, number>> {
    if (!storeIds.length) return new Map();
    const { rows } = await this.db.query<{ store_id: string; head: number }>(
      'SELECT store_id, head FROM sync_feed_heads WHERE store_id = ANY($1::uuid[])',
      [storeIds],
    );
    return new Map(rows.map((r) => [r.store_id, r.head]));
  }

  /** At start: connections this replica recorded before it stopped are not connected any more. */
  async resetReplica(replica: string): Promise<void> {
    await this.db.query('UPDATE sync_connections SET connected = false WHERE replica = $1', [replica]);
  }

  async #recordCursor(q: Queryable, storeId: string, seq: number, now: number): Promise<void> {
    await q.query(
      `INSERT INTO sync_feed_cursors (store_id, acked, acked_at) VALUES ($1, $2, $3)
       ON CONFLICT (store_id) DO UPDATE SET acked = GREATEST(sync_feed_cursors.acked, $2), acked_at = $3`,
      [storeId, seq, now],
    );
  }

  async #park(
    tx: Queryable,
    storeId: string,
    events: readonly Pick<WireEvent, 'seq' | 'hlc' | 'type' | 'payload'>[],
    reason: string,
    now: number,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO sync_parked (origin, seq, hlc, type, payload, reason, parked_at)
       SELECT $1, s, h, t, p, $6, $7 FROM unnest($2::bigint[], $3::text[], $4::text[], $5::jsonb[]) AS x(s, h, t, p)
       ON CONFLICT (origin, seq) DO NOTHING`,
      [
        storeId,
        events.map((e) => e.seq),
        events.map((e) => e.hlc),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.payload ?? null)),
        reason,
        now,
      ],
    );
  }
}

/** Consecutive events of one type, so a handler writes each run in one statement while seq order is kept. */
function runsByType(events: readonly WireEvent[]): WireEvent[][] {
  const runs: WireEvent[][] = [];
  for (const e of events) {
    const last = runs[runs.length - 1];
    if (last && last[0]!.type === e.type) last.push(e);
    else runs.push([e]);
  }
  return runs;
}

/**
 * The origin's newest-HLC mark after a batch: raised to the batch's newest stamp. An unknown mark (null) stays unknown
 * after a batch with repeats: the origin is resending after a restore, its stamps may lie below what the hub holds,
 * and its next batches must be looked up too; the first batch without one sets it.
 */
function nextNewestHlc(newest: string | null, fresh: readonly WireEvent[], repeats: number): string | null {
  if (newest === null && repeats > 0) return null;
  // biome-ignore lint/complexity/useMathMinMax: HLCs are strings; Math.max would give NaN
  return fresh.reduce((max, e) => (e.hlc > max ? e.hlc : max), newest ?? '');
}
