import type { Queryable } from '../db/db.js';
import { archiveBatch } from '../kernel/retention-tables.js';
import type { RetentionTarget } from '../kernel/retention-target.js';

/**
 * The retention rules of the hub's sync tables, and all their SQL (see RetentionTarget). Ages come from the settings;
 * the rows kept whatever their age are in each rule's words.
 */

const FIRST_UUID = '00000000-0000-0000-0000-000000000000';
const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * How many rows a sweep has before it, for its progress line only: counted up to DUE_CAP (an exact count of 500 M old
 * events took minutes and ran into the statement timeout, failing every sweep before its first batch).
 */
export const DUE_CAP = 1_000_000;
const capped = (fromWhere: string) => `SELECT count(*) AS v FROM (SELECT 1 ${fromWhere} LIMIT ${DUE_CAP}) capped`;

async function scalar(q: Queryable, sql: string, params: readonly unknown[] = []): Promise<number | null> {
  const { rows } = await q.query<{ v: unknown }>(sql, params);
  return n(rows[0]?.v);
}

/**
 * Feed entries a store acknowledged past, once old. The entry AT each store's cursor stays (after a hub restore it
 * identifies the feed position the store holds), and so does every entry a store has not acknowledged: a store that
 * never connected keeps its whole feed. Walks the stores in id order; `after` is the store the last batch reached.
 */
export const feedRetention: RetentionTarget = {
  table: 'sync_feed',
  noun: 'feed entries',
  action: 'remove',
  ageSetting: 'feedDays',
  rule: (s) =>
    `removed once the store has acknowledged a later entry and ${s.feedDays} days old; the entry at each store's cursor and every entry a store has not acknowledged stay`,
  async due(q, cutoff) {
    return (
      (await scalar(
        q,
        capped(
          'FROM sync_feed f JOIN sync_feed_cursors c ON c.store_id = f.store_id WHERE f.seq < c.acked AND f.created_at < $1',
        ),
        [cutoff],
      )) ?? 0
    );
  },
  async batch(db, cutoff, limit, _now, record, after) {
    return db.transaction(async (tx) => {
      const { rows } = await tx.query<{ store_id: string }>(
        `WITH v AS (
           SELECT c.store_id, f.seq FROM sync_feed_cursors c
           CROSS JOIN LATERAL (SELECT seq FROM sync_feed f WHERE f.store_id = c.store_id AND f.seq < c.acked AND f.created_at < $1 ORDER BY seq LIMIT $2) f
           WHERE c.store_id >= $3::uuid ORDER BY c.store_id, f.seq LIMIT $2)
         DELETE FROM sync_feed f USING v WHERE f.store_id = v.store_id AND f.seq = v.seq RETURNING f.store_id::text AS store_id`,
        [cutoff, limit, after ?? FIRST_UUID],
      );
      await record(tx, rows.length);
      // biome-ignore lint/complexity/useMathMinMax: uuids are strings; Math.max would give NaN
      const reached = rows.reduce((max, r) => (r.store_id > max ? r.store_id : max), after ?? FIRST_UUID);
      return { moved: rows.length, done: rows.length < limit, after: reached };
    });
  },
  async oldest(q) {
    // The first entry of each store's feed, by its primary key: no scan of the whole feed.
    return scalar(
      q,
      'SELECT min(f.created_at) AS v FROM sync_feed_heads h CROSS JOIN LATERAL (SELECT created_at FROM sync_feed WHERE store_id = h.store_id ORDER BY seq LIMIT 1) f',
    );
  },
  async details(q, cutoff) {
    // Entries kept past the age only because their store has not acknowledged them: the stores, worst first. Each
    // store's unacknowledged entries are read through the primary key (seq > acked), never the whole feed: a scan of
    // a million acknowledged rows took 3 s and, on PGlite, held up the hub with it.
    const { rows } = await q.query<{
      store_id: string;
      code: string | null;
      name: string | null;
      entries: number;
      oldest_at: number;
      acked: number | null;
      last_seen_at: number | null;
      registered_at: number | null;
    }>(
      `SELECT h.store_id, l.code, l.name, w.entries, w.oldest_at, k.acked, c.last_seen_at, l.created_at AS registered_at
       FROM sync_feed_heads h
       LEFT JOIN sync_feed_cursors k ON k.store_id = h.store_id
       CROSS JOIN LATERAL (
         SELECT count(*) AS entries, min(f.created_at) AS oldest_at FROM sync_feed f
         WHERE f.store_id = h.store_id AND f.seq > coalesce(k.acked, 0) AND f.created_at < $1) w
       LEFT JOIN sync_connections c ON c.store_id = h.store_id
       LEFT JOIN locations l ON l.id = h.store_id
       WHERE h.head > coalesce(k.acked, 0) AND w.entries > 0
       ORDER BY w.oldest_at, h.store_id`,
      [cutoff],
    );
    return {
      waiting: {
        stores: rows.length,
        entries: rows.reduce((sum, r) => sum + Number(r.entries), 0),
        oldestAt: rows.length ? Number(rows[0]!.oldest_at) : null,
        worst: rows.slice(0, 20).map((r) => ({
          storeId: r.store_id,
          code: r.code,
          name: r.name,
          entries: Number(r.entries),
          oldestAt: Number(r.oldest_at),
          acked: n(r.acked) ?? 0,
          neverConnected: r.last_seen_at === null,
          lastSeenAt: n(r.last_seen_at),
          registeredAt: n(r.registered_at),
        })),
      },
    };
  },
};

// Events old enough to archive: never the one at each store's acknowledged seq (the welcome reads its HLC).
const EVENTS_DUE = `FROM sync_events e WHERE e.received_at < $1
  AND NOT EXISTS (SELECT 1 FROM sync_origins o WHERE o.store_id = e.origin AND o.acked_seq = e.seq)`;

/** Store events, once old, move to `sync_events_archive`, partitioned by month of received_at. */
export const eventsRetention: RetentionTarget = {
  table: 'sync_events',
  noun: 'events',
  action: 'archive',
  archive: 'sync_events_archive',
  ageSetting: 'eventsDays',
  rule: (s) =>
    `archived to sync_events_archive when ${s.eventsDays} days old; the event at each store's acknowledged seq stays`,
  async due(q, cutoff) {
    return (await scalar(q, capped(EVENTS_DUE), [cutoff])) ?? 0;
  },
  async batch(db, cutoff, limit, now, record) {
    const moved = await archiveBatch(
      db,
      {
        archive: 'sync_events_archive',
        async span(q) {
          const { rows } = await q.query<{ lo: number | null; hi: number | null }>(
            `SELECT min(received_at) AS lo, max(received_at) AS hi FROM (SELECT e.received_at ${EVENTS_DUE} ORDER BY e.received_at LIMIT $2) x`,
            [cutoff, limit],
          );
          return rows[0]?.lo === null || rows[0]?.lo === undefined
            ? null
            : { lo: Number(rows[0].lo), hi: Number(rows[0].hi) };
        },
        async move(tx) {
          const res = await tx.query(
            `WITH v AS (SELECT e.origin, e.seq ${EVENTS_DUE} ORDER BY e.received_at LIMIT $2),
             moved AS (DELETE FROM sync_events e USING v WHERE e.origin = v.origin AND e.seq = v.seq
                       RETURNING e.origin, e.seq, e.hlc, e.type, e.payload, e.received_at, e.repeat_of)
             INSERT INTO sync_events_archive (origin, seq, hlc, type, payload, received_at, repeat_of, archived_at)
             SELECT origin, seq, hlc, type, payload, received_at, repeat_of, $3 FROM moved`,
            [cutoff, limit, now],
          );
          return res.rowCount;
        },
      },
      record,
    );
    return { moved, done: moved < limit };
  },
  oldest: (q) => scalar(q, 'SELECT min(received_at) AS v FROM sync_events'),
};

/** Parked events resolved (replayed) long ago are removed; an unresolved one stays, however old. */
export const parkedRetention: RetentionTarget = {
  table: 'sync_parked',
  noun: 'resolved parked events',
  action: 'remove',
  ageSetting: 'parkedDays',
  rule: (s) => `removed ${s.parkedDays} days after a replay resolved them; unresolved ones stay`,
  async due(q, cutoff) {
    return (await scalar(q, capped('FROM sync_parked WHERE resolved_at < $1'), [cutoff])) ?? 0;
  },
  async batch(db, cutoff, limit, _now, record) {
    return db.transaction(async (tx) => {
      const res = await tx.query(
        `DELETE FROM sync_parked p USING (SELECT origin, seq FROM sync_parked WHERE resolved_at < $1 ORDER BY resolved_at LIMIT $2) v
         WHERE p.origin = v.origin AND p.seq = v.seq`,
        [cutoff, limit],
      );
      await record(tx, res.rowCount);
      return { moved: res.rowCount, done: res.rowCount < limit };
    });
  },
  oldest: (q) => scalar(q, 'SELECT min(parked_at) AS v FROM sync_parked'),
  async details(q) {
    return { unresolved: (await scalar(q, 'SELECT count(*) AS v FROM sync_parked WHERE resolved_at IS NULL')) ?? 0 };
  },
};

export const syncRetentionTargets: readonly RetentionTarget[] = [parkedRetention, feedRetention, eventsRetention];
