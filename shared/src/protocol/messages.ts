import { z } from 'zod';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../http/refuse-bad-text.js';

/**
 * The sync wire protocol between a store node and the hub: JSON text frames over one WebSocket per store.
 *
 * Versions: 1 — events up, feed down. 2 — adds `doc-sync` (Automerge documents) and `pending` in `event-batch`.
 * Changes are additive, so a hub on N accepts stores on N−1; a store newer than its hub is refused with
 * `unsupported-protocol` and stays refused until one of them is upgraded (it does not hammer the hub).
 *
 * Up:   store → `event-batch` (contiguous seqs of its own outbox) → hub applies once → `ack` (highest contiguous seq),
 *       or `resend` (from the first seq it is missing) when a batch starts past a gap.
 * Down: hub → `feed-page` (the store's feed after its cursor) → store applies once → `feed-ack` (its new cursor).
 *       An entry the store's handler refuses is parked there and passed; a hub whose `welcome` lists `feed-parked`
 *       gets the store's parked count and latest reason in `feed-ack` (optional fields: no protocol bump).
 * Store status: a hub whose `welcome` lists `store-status` gets `store-status` frames (after `welcome` and on every
 *       change): the store's disk, full (a local write failed for lack of space; nothing of it was recorded) or not.
 *       Sent only to such a hub, so an older hub never sees the frame (no protocol bump).
 * Documents: `doc-sync` both ways; a `doc-sync` the hub refuses (a document outside the store's rights, an undeclared
 *       namespace, data that is not an Automerge sync message, changes that would make the document invalid — its
 *       detail then names each problem, and the document stops syncing with that store until it reconnects) is
 *       answered with `doc-error` naming the document, and the connection stays open. A protocol-2 store that predates `doc-error` logs it as an unknown frame.
 * Feed identity: a hub restored from an older backup numbers its feed anew below what a store applied. A hub whose
 *       `welcome` lists `feed-rebase` says which entry it holds at the store's cursor (`feedAt`); a store that applied
 *       another entry there stops applying pages and sends `feed-rebase`; the hub renumbers what the store may lack to
 *       follow the store's cursor, appends each module's reconcile entries, and answers `feed-rebased`. A cursor past
 *       the hub's head (or at an entry the hub never pruned but lacks) is rebased by the hub itself at `hello`, which
 *       `welcome` then reports in `feedRebased` (older stores ignore both fields). No protocol bump. A hub rebases a
 *       store's feed at most once per connection and LIMITS.feedRebasesPerHour times an hour, never moves entries at
 *       or below the cursor the store acknowledged, and never follows a cursor more than LIMITS.maxFeedAhead past its
 *       head; past those it refuses with `error` and closes.
 * Feed gaps: entries the hub no longer holds (removed by retention after a store disk acknowledged them, or renumbered
 *       past them by a rebase) would leave a store whose cursor is below them before a page that starts past a gap.
 *       The hub says so first with `feed-skip` (the store moves its cursor to `toSeq`, logs it and shows it) and makes
 *       sure a reconcile entry (`reservation.snapshot`) follows the gap. An older store ignores the frame (as before).
 * Lost events: a hub restored from a backup older than the store's retention of acknowledged events lacks events the
 *       store has pruned. A hub whose `welcome` lists `events-lost` takes `events-lost` for exactly that gap (from its
 *       acked seq + 1), records it, answers `ack` and uploads go on; anything else is refused. No protocol bump.
 */
export const PROTOCOL_VERSION = 2;
export const MIN_PROTOCOL_VERSION = 1;

/** Bounds both sides enforce; a peer that sends more is closed. */
export const LIMITS = {
  maxFrameBytes: 4 * 1024 * 1024,
  maxBatchEvents: 2000,
  maxBatchBytes: 1024 * 1024,
  maxFeedPageEntries: 1000,
  /** Event batches a store may have unacknowledged at once. */
  uploadWindow: 4,
  /**
   * `doc-sync` frames a store may have unanswered at once (the hub says so in `welcome` as `docWindow`; a store whose
   * hub does not say uses `defaultDocWindow`). With the upload window and feed-acks it stays under the hub's limit on
   * frames in flight (uploadWindow × 4 + 8).
   */
  docWindow: 8,
  defaultDocWindow: 4,
  maxEventTypeLength: 64,
  maxPayloadBytes: 64 * 1024,
  /**
   * Events one `events-lost` may report (a busy store's events over years). More is refused: a forged report could
   * otherwise move the hub's acked seq so far that the store's next events would be numbered past the safe range.
   */
  maxLostEvents: 100_000_000,
  /**
   * Entries a store's claimed feed cursor (`hello`, `feed-rebase`) may be past the hub's head for the hub to renumber
   * its feed to follow it (a hub restored from a backup lost at most the entries written since: far fewer). More is
   * refused: a forged cursor would otherwise push the store's feed numbering towards the end of the safe range.
   */
  maxFeedAhead: 10_000_000,
  /** Rebases of one store's feed the hub makes in an hour (each renumbers and appends a snapshot); more are refused. */
  feedRebasesPerHour: 6,
} as const;

/** WebSocket close codes (4000–4999 are ours). */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  /** A frame of a kind this end does not take (binary on the sync socket). */
  unsupportedData: 1003,
  policyViolation: 1008,
  tooBig: 1009,
  internalError: 1011,
  unsupportedProtocol: 4002,
  unauthorized: 4001,
  replaced: 4003,
} as const;

const seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const eventType = z
  .string()
  .min(1)
  .max(LIMITS.maxEventTypeLength)
  .regex(/^[a-z][a-z0-9._-]*$/);

export const wireEventSchema = z.strictObject({
  origin: z.string().min(1).max(64),
  seq,
  /** The HLC stamp as `hlcEncode` writes it (13 hex digits of wall ms, 4 of counter, the node): a stamp the hub
   * compares as text (the newest one per store gates the repeat check) must not be any string that sorts high. */
  hlc: z
    .string()
    .min(20)
    .max(100)
    .regex(/^[0-9a-f]{13}-[0-9a-f]{4}-[^\s]+$/, 'not an HLC stamp (13 hex digits-4 hex digits-node)'),
  type: eventType,
  payload: z.unknown(),
});
export type WireEvent = z.infer<typeof wireEventSchema>;

export const feedEntrySchema = z.strictObject({ seq, type: eventType, payload: z.unknown(), createdAt: z.number() });
export type FeedEntry = z.infer<typeof feedEntrySchema>;

/** A feed entry's identity: its seq and the hub's createdAt (a restored hub writes other entries at the same seqs). */
export const feedPositionSchema = z.strictObject({
  seq,
  createdAt: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
export type FeedPosition = z.infer<typeof feedPositionSchema>;

/** The hub rebased this store's feed: when (hub clock), and how many entries it resent after the store's cursor. */
export interface FeedRebaseReport {
  readonly at: number;
  readonly moved: number;
}

/**
 * `reservation.snapshot` feed entries: after a feed rebase, the hub's active holds at this store with ids in
 * [from, to) (null: unbounded), sorted. The store ends its own open holds in that range that are not listed (the hub
 * no longer holds them), except ones handed over or marked no-show here.
 */
export const holdSnapshotSchema = z.strictObject({
  from: z.string().min(1).max(64).nullable(),
  to: z.string().min(1).max(64).nullable(),
  ids: z.array(z.string().min(1).max(64)).max(5000),
});
export type HoldSnapshot = z.infer<typeof holdSnapshotSchema>;

/**
 * The store's disk as the store last saw it: `full` from a local write refused for lack of space (SQLITE_FULL,
 * ENOSPC) until a write succeeds again; `at` when it changed (store clock, epoch ms); `reason` the failure's words.
 */
export const storeDiskSchema = z.strictObject({
  full: z.boolean(),
  at: z.number().int().min(0),
  reason: z.string().max(500).nullable().optional(),
});
export type StoreDisk = z.infer<typeof storeDiskSchema>;

export const clientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('hello'),
    protocol: z.number().int().min(0),
    storeId: z.string(),
    /** The store's outbox head, so the hub can show what is pending up before it arrives. */
    outboxHead: z.number().int().min(0),
    feedCursor: z.number().int().min(0),
    hlc: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('event-batch'),
    events: z.array(wireEventSchema).min(1).max(LIMITS.maxBatchEvents),
    pending: z.number().int().min(0).optional(),
  }),
  z.strictObject({
    type: z.literal('feed-ack'),
    seq: z.number().int().min(0),
    /**
     * Feed entries the store has parked (its handler refused them): how many, and the latest one's reason. Sent only
     * to a hub whose `welcome` lists the `feed-parked` feature (an older hub refuses fields it does not know).
     */
    parked: z.strictObject({ count: z.number().int().min(0), reason: z.string().max(500).nullable() }).optional(),
  }),
  z.strictObject({
    type: z.literal('doc-sync'),
    docId: z.string().min(1).max(200),
    data: z.string().max(LIMITS.maxFrameBytes),
  }),
  z.strictObject({ type: z.literal('store-status'), disk: storeDiskSchema }),
  /**
   * The entry the hub holds at this store's cursor (`feedAt` in `welcome`) is not the one the store applied there:
   * the store stops applying feed pages and asks the hub to rebase its feed after `cursor`. Sent only to a hub whose
   * `welcome` lists `feed-rebase`. `at` is the entry the store applied last (null when it does not know).
   */
  z.strictObject({
    type: z.literal('feed-rebase'),
    cursor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    at: feedPositionSchema.nullable(),
  }),
  /**
   * The hub lacks this store's events `fromSeq`–`toSeq` (it was restored from a backup older than the store keeps
   * acknowledged events) and the store no longer holds them: the loss is done. The hub records it, holds the store's
   * events up to `toSeq` from then on and answers `ack toSeq`; the store's next batch starts at `toSeq + 1`. Sent only
   * to a hub whose `welcome` lists `events-lost` (an older hub never sees it; the store's uploads wait there, as before).
   */
  z.strictObject({ type: z.literal('events-lost'), fromSeq: seq, toSeq: seq, reason: z.string().max(500) }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export type HubMessage =
  | {
      type: 'welcome';
      protocol: number;
      hubTime: number;
      ackedSeq: number;
      feedHead: number;
      ackedHlc?: string | null;
      features?: string[];
      docWindow?: number;
      feedAt?: FeedPosition | null;
      feedRebased?: FeedRebaseReport;
    }
  | { type: 'feed-rebased'; cursor: number; head: number; rebasedAt: number | null; moved: number }
  | { type: 'feed-skip'; fromSeq: number; toSeq: number; head: number; reason: string }
  | { type: 'ack'; seq: number }
  | { type: 'resend'; fromSeq: number; reason: string }
  | { type: 'feed-page'; entries: FeedEntry[]; head: number }
  | { type: 'doc-sync'; docId: string; data: string }
  | { type: 'doc-error'; docId: string; detail: string }
  | { type: 'error'; code: 'unsupported-protocol' | 'bad-message' | 'forbidden' | 'internal'; message: string };

export const hubMessageSchema: z.ZodType<HubMessage> = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    protocol: z.number(),
    hubTime: z.number(),
    ackedSeq: z.number(),
    feedHead: z.number(),
    ackedHlc: z.string().nullable().optional(),
    /**
     * Optional wire fields and frames this hub takes from the store: `feed-parked` (`parked` in `feed-ack`),
     * `store-status` (the `store-status` frame), `feed-rebase` (the `feed-rebase` frame; `feedAt` is meaningful),
     * `events-lost` (the `events-lost` frame).
     */
    features: z.array(z.string()).optional(),
    /** `doc-sync` frames the store may have unanswered at once (absent: LIMITS.defaultDocWindow). */
    docWindow: z.number().int().min(1).max(64).optional(),
    /** The entry this hub holds at the store's `hello` cursor (null: none to compare: cursor 0, pruned, or rebased). */
    feedAt: z.object({ seq, createdAt: z.number().finite() }).nullable().optional(),
    /** This hub rebased the store's feed while opening the connection (its cursor was past the hub's head). */
    feedRebased: z.object({ at: z.number(), moved: z.number().int().min(0) }).optional(),
  }),
  /**
   * The answer to `feed-rebase`: the store's feed now follows `cursor` up to `head`; `rebasedAt` null when the hub
   * found nothing to rebase (its entry there matches, or another connection rebased it first).
   */
  z.object({
    type: z.literal('feed-rebased'),
    cursor: z.number(),
    head: z.number(),
    rebasedAt: z.number().nullable(),
    moved: z.number(),
  }),
  /**
   * Entries `fromSeq`–`toSeq` of the store's feed are gone from the hub (removed by retention after a store disk
   * acknowledged them, or renumbered past them by a feed rebase): a store whose cursor is `fromSeq − 1` or more moves it
   * to `toSeq` and applies on; a reconcile entry follows later in the feed. Sent before a page that would start past a gap.
   */
  z.object({ type: z.literal('feed-skip'), fromSeq: seq, toSeq: seq, head: z.number(), reason: z.string().max(500) }),
  z.object({ type: z.literal('ack'), seq: z.number() }),
  z.object({ type: z.literal('resend'), fromSeq: z.number(), reason: z.string() }),
  z.object({ type: z.literal('feed-page'), entries: z.array(feedEntrySchema), head: z.number() }),
  z.object({ type: z.literal('doc-sync'), docId: z.string(), data: z.string() }),
  z.object({ type: z.literal('doc-error'), docId: z.string(), detail: z.string() }),
  z.object({
    type: z.literal('error'),
    code: z.enum(['unsupported-protocol', 'bad-message', 'forbidden', 'internal']),
    message: z.string(),
  }),
]) as z.ZodType<HubMessage>;

/** What a store's status, the hub's and the console say of events a store lost to a hub restore (`events-lost`). */
export function lostEventsNote(fromSeq: number, toSeq: number): string {
  const range = fromSeq === toSeq ? `event ${fromSeq}` : `events ${fromSeq}–${toSeq}`;
  return `${range} of this store ${fromSeq === toSeq ? 'was' : 'were'} lost (the hub was restored from a backup older than the store keeps acknowledged events); counters may need a stock count`;
}

/**
 * A WebSocket close reason cut to the 123 bytes the protocol allows (`ws` throws on a longer one, and a reason may
 * quote what the peer sent, in any script).
 */
export function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= 123) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > 120) break;
    out += ch;
  }
  return `${out}…`;
}

/** Parses one text frame; undefined with a reason when it is not a valid message. */
export function parseFrame<T>(
  schema: z.ZodType<T>,
  text: string,
): { ok: true; message: T } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'frame is not JSON' };
  }
  // JSON.parse takes any depth, but a payload nested thousands of levels deep overflows the stack of whatever walks it
  // next (JSON.stringify into the database): the batch would fail on every resend, for good.
  if (nestsDeeperThan(raw, MAX_JSON_DEPTH))
    return { ok: false, reason: `frame nests deeper than ${MAX_JSON_DEPTH} levels` };
  const r = schema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    return {
      ok: false,
      reason:
        `invalid ${String((raw as { type?: unknown })?.type ?? 'message')}: ${i?.path.join('.') || '(root)'} ${i?.message ?? ''}`.trim(),
    };
  }
  return { ok: true, message: r.data };
}
