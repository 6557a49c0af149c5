import { lostEventsNote } from '@storefleet/shared';
import type { Queryable } from '../db/db.js';

export interface StoreSyncState {
  readonly storeId: string;
  readonly code: string;
  readonly name: string;
  readonly connected: boolean;
  readonly replica: string | null;
  readonly protocol: number | null;
  readonly lastSeenAt: number | null;
  readonly ackedSeq: number;
  readonly outboxHead: number;
  /** Events the store has reported but the hub does not hold yet. */
  readonly pendingUp: number;
  readonly feedHead: number;
  readonly feedAcked: number;
  /** Feed entries the store has not acknowledged yet. */
  readonly feedLag: number;
  readonly parked: number;
  /** Feed entries the store parked (its handler refused them), as it last reported, and the latest one's reason. */
  readonly feedParked: number;
  readonly feedParkedReason: string | null;
  /**
   * The store's disk as it last reported: `full` since a write there failed for lack of space (it cannot record
   * sales; someone must free space on the store PC), `since` when that changed (store clock), `reason` its words.
   */
  readonly disk: { readonly full: boolean; readonly since: number | null; readonly reason: string | null };
  /**
   * The latest rebase of the store's feed (the hub's database was restored from an older backup and numbered the feed
   * below what the store had applied): when, the store's cursor then, entries resent after it, and a note for people.
   */
  readonly feedRebase: {
    readonly at: number;
    readonly cursor: number;
    readonly moved: number;
    readonly note: string;
  } | null;
  /**
   * Events of this store the hub lacks for good, oldest first: the hub was restored from a backup older than the store
   * keeps acknowledged events, and the store had pruned them (it said so with `events-lost`). Each with when it was
   * reported (hub clock), the store's words and a note for people; counters built from them may need a stock count.
   */
  readonly lostEvents: readonly LostRange[];
}

export interface LostRange {
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly count: number;
  readonly reportedAt: number;
  readonly reason: string;
  readonly note: string;
}

interface StateRow {
  store_id: string;
  code: string;
  name: string;
  connected: boolean | null;
  replica: string | null;
  protocol: number | null;
  last_seen_at: number | null;
  acked_seq: number | null;
  outbox_head: number | null;
  head: number | null;
  acked: number | null;
  parked: number;
  feed_parked: number | null;
  feed_parked_reason: string | null;
  disk_full: boolean | null;
  disk_changed_at: number | null;
  disk_reason: string | null;
  rebase: { at: number; cursor: number; moved: number } | null;
  lost: { from: number; to: number; at: number; reason: string }[] | null;
}

/**
 * Every store with its sync tables (aliases: l location, c connection, o origin, h feed head, k feed cursor); the
 * fleet list and the lag history read the same rows.
 */
export const STORES_WITH_SYNC = `
  FROM locations l
  LEFT JOIN sync_connections c ON c.store_id = l.id
  LEFT JOIN sync_origins o ON o.store_id = l.id
  LEFT JOIN sync_feed_heads h ON h.store_id = l.id
  LEFT JOIN sync_feed_cursors k ON k.store_id = l.id
  WHERE l.kind = 'STORE'`;

/** Read side of sync for the console and /metrics: one row per store, from the sync tables. */
export class SyncStatusRepository {
  constructor(readonly db: Queryable) {}

  async list(storeId?: string): Promise<StoreSyncState[]> {
    const { rows } = await this.db.query<StateRow>(
      `SELECT l.id AS store_id, l.code, l.name, c.connected, c.replica, c.protocol, c.last_seen_at,
              o.acked_seq, o.outbox_head, h.head, k.acked,
              (SELECT count(*)::int FROM sync_parked p WHERE p.origin = l.id AND p.resolved_at IS NULL) AS parked,
              (SELECT f.parked FROM sync_store_feed_parked f WHERE f.store_id = l.id) AS feed_parked,
              (SELECT f.reason FROM sync_store_feed_parked f WHERE f.store_id = l.id) AS feed_parked_reason,
              (SELECT d.disk_full FROM sync_store_disk d WHERE d.store_id = l.id) AS disk_full,
              (SELECT d.changed_at FROM sync_store_disk d WHERE d.store_id = l.id) AS disk_changed_at,
              (SELECT d.reason FROM sync_store_disk d WHERE d.store_id = l.id) AS disk_reason,
              (SELECT json_build_object('at', r.rebased_at, 'cursor', r.cursor, 'moved', r.moved) FROM sync_feed_rebases r
                WHERE r.store_id = l.id ORDER BY r.rebased_at DESC, r.id DESC LIMIT 1) AS rebase,
              (SELECT json_agg(json_build_object('from', x.from_seq, 'to', x.to_seq, 'at', x.reported_at, 'reason', x.reason) ORDER BY x.from_seq)
                FROM sync_lost_ranges x WHERE x.store_id = l.id) AS lost
       ${STORES_WITH_SYNC} AND ($1::uuid IS NULL OR l.id = $1)
       ORDER BY l.code`,
      [storeId ?? null],
    );
    return rows.map((r) => {
      const acked = r.acked_seq ?? 0;
      const head = r.head ?? 0;
      const feedAcked = r.acked ?? 0;
      return {
        storeId: r.store_id,
        code: r.code,
        name: r.name,
        connected: r.connected ?? false,
        replica: r.replica,
        protocol: r.protocol,
        lastSeenAt: r.last_seen_at,
        ackedSeq: acked,
        outboxHead: Math.max(r.outbox_head ?? 0, acked),
        pendingUp: Math.max(0, (r.outbox_head ?? 0) - acked),
        feedHead: head,
        feedAcked,
        feedLag: Math.max(0, head - feedAcked),
        parked: r.parked,
        feedParked: r.feed_parked ?? 0,
        feedParkedReason: r.feed_parked_reason,
        disk: {
          full: r.disk_full ?? false,
          since: r.disk_changed_at === null ? null : Number(r.disk_changed_at),
          reason: r.disk_reason,
        },
        feedRebase: r.rebase && {
          at: Number(r.rebase.at),
          cursor: Number(r.rebase.cursor),
          moved: r.rebase.moved,
          note: `feed rebased after a hub restore at ${new Date(Number(r.rebase.at)).toISOString()}: ${r.rebase.moved} entries resent after the store's cursor ${r.rebase.cursor}`,
        },
        lostEvents: (r.lost ?? []).map(lostRange),
      };
    });
  }

  /** Keeps a store's report of its disk (the sync session calls it for each `store-status` frame). */
  async recordDisk(
    storeId: string,
    disk: { full: boolean; at: number; reason?: string | null },
    now: number,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO sync_store_disk (store_id, disk_full, changed_at, reason, reported_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (store_id) DO UPDATE SET disk_full = $2, changed_at = $3, reason = $4, reported_at = $5`,
      [storeId, disk.full, disk.at, disk.reason ?? null, now],
    );
  }

  /**
   * Parked events, oldest first: `open` ones (still to replay), `resolved` ones (a replay applied them: when, by
   * whom — the user's id and email), or `all`; each with how many replays were tried.
   */
  async parked(
    storeId: string | undefined,
    limit: number,
    filter: { state?: 'open' | 'resolved' | 'all'; type?: string } = {},
  ) {
    const state = filter.state ?? 'open';
    const { rows } = await this.db.query<ParkedRow>(
      `SELECT p.origin, p.seq, p.type, p.payload, p.reason, p.parked_at, p.resolved_at, p.resolved_by, p.outcome, p.replays, u.email AS resolved_by_email
       FROM sync_parked p LEFT JOIN users u ON u.id::text = p.resolved_by
       WHERE ($1::uuid IS NULL OR p.origin = $1) AND ($3::text IS NULL OR p.type = $3)
         AND ($4 = 'all' OR ($4 = 'open') = (p.resolved_at IS NULL))
       ORDER BY p.parked_at, p.origin, p.seq LIMIT $2`,
      [storeId ?? null, limit, filter.type ?? null, state],
    );
    return rows.map((r) => ({
      storeId: r.origin,
      seq: r.seq,
      type: r.type,
      payload: r.payload,
      reason: r.reason,
      parkedAt: r.parked_at,
      replays: r.replays,
      resolvedAt: r.resolved_at,
      resolvedBy: r.resolved_by,
      resolvedByEmail: r.resolved_by_email,
      outcome: r.outcome,
    }));
  }

  /** Open parked events per type (the console's "replay all of a type" list). */
  async parkedTypes(): Promise<{ type: string; count: number; stores: number }[]> {
    const { rows } = await this.db.query<{ type: string; count: number; stores: number }>(
      `SELECT type, count(*)::int AS count, count(DISTINCT origin)::int AS stores FROM sync_parked WHERE resolved_at IS NULL GROUP BY type ORDER BY type`,
    );
    return rows;
  }
}

function lostRange(x: { from: number; to: number; at: number; reason: string }): LostRange {
  const [fromSeq, toSeq] = [Number(x.from), Number(x.to)];
  return {
    fromSeq,
    toSeq,
    count: toSeq - fromSeq + 1,
    reportedAt: Number(x.at),
    reason: x.reason,
    note: lostEventsNote(fromSeq, toSeq),
  };
}

interface ParkedRow {
  origin: string;
  seq: number;
  type: string;
  payload: unknown;
  reason: string;
  parked_at: number;
  resolved_at: number | null;
  resolved_by: string | null;
  resolved_by_email: string | null;
  outcome: string | null;
  replays: number;
}
