import {
  CLOSE,
  LIMITS,
  PROTOCOL_VERSION,
  hubMessageSchema,
  isDiskFull,
  lostEventsNote,
  parseFrame,
  type ClientMessage,
  type FeedEntry,
  type FeedRebaseReport,
  type HubMessage,
  type StoreDisk,
} from '@storefleet/shared';
import { checkFeed, splitAtGap } from './feed-check.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import type {
  ClientTransport,
  Connector,
  FeedParkedSummary,
  FeedSkip,
  LostEvents,
  StoreSyncStorage,
  SyncLogger,
} from './interfaces.js';
import { initialUpload, uploadStep, type Phase, type UploadInput, type UploadState } from './upload-window.js';

export interface SyncStatus {
  readonly phase: Phase;
  readonly ackedSeq: number;
  readonly outboxHead: number;
  readonly pendingUp: number;
  readonly feedCursor: number;
  readonly feedHead: number;
  readonly lastError: string | null;
  readonly lastHubContactAt: number | null;
  readonly reconnects: number;
  /** Feed entries this store parked (their handler refused them; the rest of the feed went on). */
  readonly parkedFeed?: number;
  /** The latest parked feed entry and why. */
  readonly lastParkedFeed?: FeedParkedSummary['latest'];
  /** The hub's last refusal of a document sync (`doc-error`); the connection stayed open. */
  readonly lastDocError?: { readonly docId: string; readonly detail: string } | null;
  /** The hub's last rebase of this store's feed (after a hub restore): when (hub clock) and how many entries it resent. */
  readonly lastFeedRebase?: FeedRebaseReport | null;
  /** The last feed entries the hub said were gone (retention, or renumbered past them) and this store skipped. */
  readonly lastFeedSkip?: FeedSkip | null;
  /**
   * The last events this store told the hub were lost: the hub lacked them (restored from an older backup) and this
   * store had already pruned them. Uploads went on after them; counters may need a stock count (`note` says so).
   */
  readonly lostEvents?: (LostEvents & { readonly note: string }) | null;
}

export interface SyncClientOptions {
  readonly protocol?: number;
  readonly backoff?: BackoffPolicy;
  readonly now?: () => number;
  readonly random?: () => number;
  /**
   * A connection that stayed up this long counts as healthy: the next reconnect starts from the shortest backoff again.
   * (So does one that made progress and caught up both ways.) Until then every break lengthens the backoff, so a
   * connection that fails soon after `welcome` does not reconnect in a tight loop. Default 30 s.
   */
  readonly healthyMs?: number;
  /** Called on every status change (pages show it as the sync badge). */
  readonly onStatus?: (s: SyncStatus) => void;
  /**
   * The hub welcomed us (after every (re)connect): documents re-sync from here, with at most `docWindow` `doc-sync`
   * frames unanswered at once (the hub's word, or LIMITS.defaultDocWindow from a hub that does not say).
   */
  readonly onConnected?: (hub: { readonly docWindow: number }) => void;
  /** Incoming `doc-sync` frames. */
  readonly onDocSync?: (docId: string, data: string) => void;
  /** The hub refused one of our `doc-sync` frames (logged either way; the connection stays open). */
  readonly onDocError?: (docId: string, detail: string) => void;
  /**
   * A sync step's local write failed because the disk is full (the step was rolled back). The connection stays open;
   * the owner records it and reports the disk back through `reportDisk`.
   */
  readonly onDiskFull?: (err: unknown) => void;
  /** The store skipped feed entries the hub said were gone (`feed-skip`): the owner may fetch what they carried. */
  readonly onFeedSkip?: (skip: FeedSkip) => void;
}

/**
 * The store's end of the sync connection: keeps one connection to the hub, streams the outbox up within the upload
 * window, applies its feed down, and reconnects with jittered backoff after any break, resuming from the positions
 * the hub states in `welcome` (never a full resync). The protocol rules are in `upload-window.ts`; this is the shell.
 */
export class SyncClient {
  #state: UploadState;
  #transport: ClientTransport | undefined;
  #attempt = 0;
  #reconnects = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  #lastError: string | null = null;
  #lastContact: number | null = null;
  #lastDocError: { docId: string; detail: string } | null = null;
  #feedHead = 0;
  /** When the current connection was welcomed. */
  #welcomedAt: number | null = null;
  #hubTakesParked = false;
  #hubTakesStatus = false;
  #hubTakesLost = false;
  /** The last loss reported (kept here too when the storage cannot keep it). */
  #lostEvents: LostEvents | null = null;
  /** The store's disk as last reported by the owner; sent to a hub that takes `store-status`. */
  #disk: StoreDisk | null = null;
  /** A feed page could not be applied for lack of space: later pages would leave a gap, so they wait for a reconnect. */
  #feedStalled = false;
  /** Our feed disagrees with the hub's (a restored hub): pages wait until the hub answers `feed-rebase`. */
  #feedRebasing = false;
  /** This connection's hub takes `feed-rebase`, and whether we sent one on it (a hub takes one per connection). */
  #hubTakesRebase = false;
  #rebaseAsked = false;
  /** This end closed the connection after a local failure (lastError says which). */
  #closingAfterFailure = false;
  readonly #protocol: number;
  readonly #now: () => number;

  constructor(
    readonly storage: StoreSyncStorage,
    readonly connector: Connector,
    readonly log: SyncLogger,
    readonly options: SyncClientOptions = {},
  ) {
    this.#state = initialUpload(storage.ackedSeq(), storage.outboxHead());
    this.#protocol = options.protocol ?? PROTOCOL_VERSION;
    this.#now = options.now ?? Date.now;
  }

  get status(): SyncStatus {
    const head = Math.max(this.#state.head, this.storage.outboxHead());
    const parked = this.storage.feedParked?.();
    const lost = this.storage.lostEvents?.() ?? this.#lostEvents;
    return {
      phase: this.#state.phase,
      ackedSeq: this.#state.ackedSeq,
      outboxHead: head,
      pendingUp: head - this.#state.ackedSeq,
      feedCursor: this.storage.feedCursor(),
      feedHead: Math.max(this.#feedHead, this.storage.feedCursor()),
      lastError: this.#lastError,
      lastHubContactAt: this.#lastContact,
      reconnects: this.#reconnects,
      ...(parked ? { parkedFeed: parked.count, lastParkedFeed: parked.latest } : {}),
      lastDocError: this.#lastDocError,
      ...(this.storage.lastFeedRebase ? { lastFeedRebase: this.storage.lastFeedRebase() } : {}),
      ...(this.storage.lastFeedSkip ? { lastFeedSkip: this.storage.lastFeedSkip() } : {}),
      lostEvents: lost && { ...lost, note: lostEventsNote(lost.fromSeq, lost.toSeq) },
    };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#connect();
  }

  /** Closes the connection and stops reconnecting; unacknowledged events stay in the outbox for next time. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const transport = this.#transport;
    this.#transport = undefined;
    transport?.close(CLOSE.goingAway, 'store node stopping');
    // The close event finds no transport and is ignored, so the status says offline here (not "syncing" forever).
    if (transport) this.#dispatch({ type: 'closed' });
  }

  /** Tell the client the outbox grew (after a committed local transaction). */
  outboxChanged(): void {
    this.#dispatch({ type: 'outbox-head', head: this.storage.outboxHead() });
  }

  /**
   * The store's disk changed (full after a write failed for lack of space, or not after a write succeeded): the hub
   * hears it now if connected, else after the next `welcome`. When the disk is back and a feed page was left unapplied,
   * the connection is renewed so the feed resumes from the recorded cursor.
   */
  reportDisk(disk: StoreDisk): void {
    this.#disk = disk;
    this.#sendDisk();
    if (!disk.full && this.#feedStalled && this.#transport) {
      this.#feedStalled = false;
      this.#closingAfterFailure = true;
      this.#transport.close(CLOSE.goingAway, 'disk space is back: resuming the feed');
    }
  }

  #sendDisk(): void {
    if (this.#disk && this.#hubTakesStatus && this.#state.phase === 'syncing')
      this.#send({ type: 'store-status', disk: this.#disk });
  }

  /** Sends a document sync frame if connected; false when offline (the document layer retries on reconnect). */
  sendDoc(docId: string, data: string): boolean {
    if (this.#state.phase !== 'syncing' || !this.#transport) return false;
    this.#send({ type: 'doc-sync', docId, data });
    return true;
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    try {
      const transport = await this.connector.connect({
        onMessage: (text) => this.#onMessage(text),
        onClose: (code, reason) => this.#onClose(code, reason),
      });
      if (this.#stopped) return transport.close(CLOSE.goingAway, 'store node stopping');
      this.#transport = transport;
      this.#dispatch({ type: 'connected' });
    } catch (err) {
      this.#lastError = `cannot reach the hub: ${(err as Error).message}`;
      this.#scheduleReconnect();
    }
  }

  #onClose(code: number, reason: string): void {
    if (!this.#transport) return;
    this.#transport = undefined;
    // After a refusal the hub's own words (kept in lastError) say more than the close code that follows them; after a
    // store-side failure, so does the failure.
    const refused = this.#state.phase === 'incompatible' || this.#closingAfterFailure;
    this.#closingAfterFailure = false;
    if (!refused && code !== CLOSE.goingAway && code !== CLOSE.normal)
      this.#lastError = `connection closed (${code}${reason ? `: ${reason}` : ''})`;
    if (this.#welcomedAt !== null && this.#now() - this.#welcomedAt >= (this.options.healthyMs ?? 30_000))
      this.#attempt = 0;
    this.#welcomedAt = null;
    this.#feedStalled = false;
    this.#feedRebasing = false;
    this.#dispatch({ type: 'closed' });
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    const policy = this.options.backoff ?? DEFAULT_BACKOFF;
    // A hub that refused our protocol will not change its mind soon: ask again rarely, not on the usual schedule.
    const delay =
      this.#state.phase === 'incompatible'
        ? policy.capMs * 10
        : backoffDelay(this.#attempt++, policy, this.options.random);
    this.#reconnects++;
    this.#timer = setTimeout(() => void this.#connect(), delay);
    this.#timer.unref?.();
    this.#emit();
  }

  #onMessage(text: string): void {
    const parsed = parseFrame(hubMessageSchema, text);
    if (!parsed.ok) {
      this.log.warn({ reason: parsed.reason }, 'ignoring a malformed frame from the hub');
      return;
    }
    this.#lastContact = this.#now();
    const m: HubMessage = parsed.message;
    try {
      switch (m.type) {
        case 'welcome':
          // Not a reset of the backoff: a hub that welcomes and then fails (or a step here that fails) would have
          // the store reconnect at once, forever. The backoff resets once the connection has proved healthy.
          this.#welcomedAt = this.#now();
          this.#hubTakesParked = m.features?.includes('feed-parked') ?? false;
          this.#hubTakesStatus = m.features?.includes('store-status') ?? false;
          this.#hubTakesLost = m.features?.includes('events-lost') ?? false;
          this.#hubTakesRebase = m.features?.includes('feed-rebase') ?? false;
          this.#rebaseAsked = false;
          this.#lastError = null;
          this.#feedHead = m.feedHead;
          this.storage.observeHubTime(m.hubTime);
          if (m.ackedHlc !== undefined) {
            const moved = this.storage.reconcile(m.ackedSeq, m.ackedHlc);
            if (moved)
              this.log.warn(
                { moved, hubAckedSeq: m.ackedSeq },
                'this store file is behind the hub (new or restored disk): renumbered its unsent events',
              );
          }
          this.#checkFeed(m);
          this.#dispatch({ type: 'welcome', ackedSeq: m.ackedSeq, head: this.storage.outboxHead() });
          this.#sendDisk();
          if (this.#protocol >= 2) this.options.onConnected?.({ docWindow: m.docWindow ?? LIMITS.defaultDocWindow });
          break;
        case 'ack':
          this.#dispatch({ type: 'ack', seq: m.seq });
          this.#madeProgress();
          break;
        case 'resend':
          this.log.warn({ fromSeq: m.fromSeq, reason: m.reason }, 'hub asked for a resend');
          this.#dispatch({ type: 'resend', fromSeq: m.fromSeq });
          break;
        case 'feed-page': {
          this.#feedHead = Math.max(this.#feedHead, m.head);
          if (this.#feedStalled) break; // an earlier page is unapplied: this one would start past a gap
          if (this.#feedRebasing) break; // numbered by the feed we asked the hub to rebase
          this.#applyPage(m.entries);
          this.#madeProgress();
          this.#emit();
          break;
        }
        case 'feed-skip':
          this.#feedHead = Math.max(this.#feedHead, m.head);
          if (this.#feedStalled || this.#feedRebasing) break; // as for a page: the hub says it again after a reconnect
          this.#skipFeed(m);
          break;
        case 'feed-rebased':
          if (!this.#feedRebasing) {
            this.log.warn({ cursor: m.cursor }, 'ignoring a feed-rebased this store did not ask for');
            break;
          }
          this.#feedRebasing = false;
          this.#feedHead = m.head;
          if (m.rebasedAt !== null) this.#feedRebased({ at: m.rebasedAt, moved: m.moved }, m.cursor);
          this.#emit();
          break;
        case 'doc-sync':
          this.options.onDocSync?.(m.docId, m.data);
          break;
        case 'doc-error':
          this.log.warn({ docId: m.docId, detail: m.detail }, 'the hub refused a document sync');
          this.#lastDocError = { docId: m.docId, detail: m.detail };
          this.options.onDocError?.(m.docId, m.detail);
          this.#emit();
          break;
        case 'error':
          this.#lastError = `hub refused: ${m.message}`;
          this.log.error({ code: m.code }, this.#lastError);
          if (m.code === 'unsupported-protocol') this.#dispatch({ type: 'refused' });
          break;
      }
    } catch (err) {
      if (isDiskFull(err)) this.options.onDiskFull?.(err);
      if (isDiskFull(err) && m.type !== 'welcome') {
        // The disk, not the link: keep the connection (events still go up, the hub hears the disk is full); a feed page
        // that could not be applied waits, with the ones after it, until the disk is back (see reportDisk). A welcome
        // that could not be taken leaves nothing to go on with: that one still reconnects.
        this.#lastError = `sync step failed: the store's disk is full (${(err as Error).message})`;
        this.log.error({ err }, 'sync step failed: the disk is full; the connection stays open');
        if (m.type === 'feed-page') this.#feedStalled = true;
        this.#emit();
        return;
      }
      // A local failure (a welcome the full disk could not take, a feed handler bug) must not be mistaken for progress: drop the connection and
      // resume from the recorded positions after a backoff.
      this.#lastError = `sync step failed: ${(err as Error).message}`;
      this.log.error({ err }, 'sync step failed; reconnecting');
      this.#closingAfterFailure = this.#transport !== undefined;
      this.#transport?.close(CLOSE.protocolError, 'store-side failure');
    }
  }

  /**
   * After a welcome: does the hub hold, at our cursor, the entry we applied there? A hub restored from an older backup
   * numbers new entries at seqs this store already passed (see feed-check.ts); then pages wait and the hub is asked to
   * rebase the feed. When they agree the cursor is confirmed with a `feed-ack` (the hub records no unconfirmed cursor).
   */
  #checkFeed(m: Extract<HubMessage, { type: 'welcome' }>): void {
    if (m.feedRebased) this.#feedRebased(m.feedRebased, this.storage.feedCursor());
    if (m.feedRebased) this.#rebaseAsked = true; // the hub rebased on this connection: it takes no other
    if (!m.features?.includes('feed-rebase') || !this.storage.feedPosition) return;
    const cursor = this.storage.feedCursor();
    const mine = this.storage.feedPosition();
    const verdict = checkFeed(cursor, mine, m.feedAt);
    if (verdict === 'rebase') {
      this.#feedRebasing = this.#rebaseAsked = true;
      this.log.warn(
        { cursor, applied: mine, atHub: m.feedAt },
        "the hub holds another feed entry at this store's cursor (a hub restored from a backup): asking it to rebase the feed",
      );
      this.#send({ type: 'feed-rebase', cursor, at: { seq: cursor, createdAt: mine!.createdAt! } });
      return;
    }
    if (verdict === 'adopt' && m.feedAt) this.storage.adoptFeedPosition?.(m.feedAt);
    if (verdict !== 'unknown' && cursor > 0) this.#sendFeedAck(cursor);
  }

  /**
   * Applies a page up to a gap, if any. A hub that heals gaps says `feed-skip` before such a page; one that did not
   * (or a race) would leave the feed stuck, so the store asks a hub that takes it to rebase (once per connection: it
   * answers with the skip), else fails the step and resumes after a backoff, as before.
   */
  #applyPage(entries: readonly FeedEntry[]): void {
    const cursor = this.storage.feedCursor();
    const { run, next } = splitAtGap(cursor, entries);
    if (next === null) {
      this.#sendFeedAck(this.storage.applyFeed(entries));
      return;
    }
    if (run.length) this.#sendFeedAck(this.storage.applyFeed(run));
    const at = this.storage.feedCursor();
    const gap = `feed gap: cursor ${at}, next entry ${next}`;
    if (!this.#hubTakesRebase || this.#rebaseAsked)
      throw new Error(`${gap} (the hub did not say the entries between are gone)`);
    const mine = this.storage.feedPosition?.();
    this.#feedRebasing = this.#rebaseAsked = true;
    this.log.warn({ cursor: at, next }, `${gap}: asking the hub to rebase this store's feed`);
    this.#send({
      type: 'feed-rebase',
      cursor: at,
      at: mine && mine.seq === at && mine.createdAt !== null ? { seq: at, createdAt: mine.createdAt } : null,
    });
  }

  /** The hub says entries `fromSeq`–`toSeq` are gone: the cursor moves past them (only from where it stands). */
  #skipFeed(m: { fromSeq: number; toSeq: number; reason: string }): void {
    const skip: FeedSkip = { fromSeq: m.fromSeq, toSeq: m.toSeq, reason: m.reason, at: this.#now() };
    if (!this.storage.skipFeed?.(skip)) {
      this.log.warn(
        { fromSeq: m.fromSeq, toSeq: m.toSeq, cursor: this.storage.feedCursor() },
        "ignoring a feed-skip that does not start at this store's cursor",
      );
      return;
    }
    this.log.warn(
      { fromSeq: m.fromSeq, toSeq: m.toSeq },
      `the hub says feed entries ${m.fromSeq}–${m.toSeq} are gone (${m.reason}): skipped them`,
    );
    this.options.onFeedSkip?.(skip);
    this.#emit();
  }

  #feedRebased(report: FeedRebaseReport, cursor: number): void {
    this.storage.recordFeedRebase?.(report);
    this.log.warn(
      { ...report, cursor },
      `the hub rebased this store's feed after a hub restore: ${report.moved} entries resent after ${cursor}`,
    );
  }

  #sendFeedAck(cursor: number): void {
    const parked = this.#hubTakesParked ? this.storage.feedParked?.() : undefined;
    this.#send(
      parked
        ? {
            type: 'feed-ack',
            seq: cursor,
            parked: { count: parked.count, reason: parked.latest?.reason.slice(0, 500) ?? null },
          }
        : { type: 'feed-ack', seq: cursor },
    );
  }

  /** Something moved on this connection; once everything is across both ways, it has proved healthy. */
  #madeProgress(): void {
    const s = this.status;
    if (this.#state.inflight.length === 0 && s.pendingUp <= 0 && s.feedCursor >= s.feedHead) this.#attempt = 0;
  }

  #dispatch(input: UploadInput): void {
    let pending: UploadInput | undefined = input;
    while (pending) {
      const { state, effects } = uploadStep(this.#state, pending);
      this.#state = state;
      pending = undefined;
      for (const e of effects) {
        if (e.kind === 'send-hello') {
          this.#send({
            type: 'hello',
            protocol: this.#protocol,
            storeId: this.storage.storeId,
            outboxHead: this.storage.outboxHead(),
            feedCursor: this.storage.feedCursor(),
          });
        } else if (e.kind === 'mark-acked') {
          this.storage.markAcked(e.seq);
        } else {
          const events = this.storage.readBatch(e.fromSeq, LIMITS.maxBatchEvents, LIMITS.maxBatchBytes);
          // Missing from here on: up to the first event still held, or (none held) up to the head, which never falls
          // below what was acknowledged.
          const missingTo = events.length
            ? events[0]!.seq - 1
            : Math.min(this.storage.outboxHead(), this.storage.ackedSeq());
          if (missingTo >= e.fromSeq) {
            // The hub (restored from an older backup) lacks events this store pruned after the hub had acknowledged
            // them: sending what follows would only be answered with the same `resend`, round after round.
            if (this.#reportLost(e.fromSeq, missingTo)) pending = { type: 'batch-sent', lastSeq: missingTo };
            continue;
          }
          if (events.length === 0) continue;
          const head = this.storage.outboxHead();
          const last = events[events.length - 1]!.seq;
          this.#send(
            this.#protocol >= 2
              ? { type: 'event-batch', events, pending: head - last }
              : { type: 'event-batch', events },
          );
          pending = { type: 'batch-sent', lastSeq: last };
        }
      }
    }
    this.#emit();
  }

  /**
   * Tells a hub that takes it that events `fromSeq`–`toSeq` are lost: it records them and acknowledges up to `toSeq`,
   * which frees the window slot the report takes like a batch. An older hub is told nothing: uploads wait, as
   * `lastError` says. Returns whether the report went out.
   */
  #reportLost(fromSeq: number, toSeq: number): boolean {
    const pruned = toSeq <= this.storage.ackedSeq(); // this store prunes only what a hub acknowledged
    if (!this.#hubTakesLost || !pruned) {
      const error = `the hub lacks events ${fromSeq}–${toSeq} of this store, which this store no longer holds (pruned after the hub acknowledged them): uploads wait until that is resolved`;
      if (error !== this.#lastError) this.log.error({ fromSeq, toSeq }, error);
      this.#lastError = error;
      return false;
    }
    const lost = { fromSeq, toSeq, at: this.#now() };
    this.#lostEvents = lost;
    this.storage.recordLostEvents?.(lost);
    this.log.warn(
      { fromSeq, toSeq },
      `${lostEventsNote(fromSeq, toSeq)}: this store pruned them after the hub acknowledged them; uploads go on after them`,
    );
    const reason = `this store pruned events ${fromSeq}–${toSeq} after the hub acknowledged them (it keeps acknowledged events for a limited time)`;
    this.#send({ type: 'events-lost', fromSeq, toSeq, reason });
    return true;
  }

  #send(m: ClientMessage): void {
    this.#transport?.send(JSON.stringify(m));
  }

  #emit(): void {
    this.options.onStatus?.(this.status);
  }
}
