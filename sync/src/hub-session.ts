import {
  CLOSE,
  LIMITS,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  clientMessageSchema,
  closeReason,
  lostEventsNote,
  parseFrame,
  type ClientMessage,
  type FeedPosition,
  type FeedRebaseReport,
  type HubMessage,
  type StoreDisk,
} from '@storefleet/shared';
import { batchFault } from './batch-rules.js';
import { splitAtGap } from './feed-check.js';
import type { HubSyncStorage, ServerTransport, SyncLogger } from './interfaces.js';

export interface HubSessionOptions {
  readonly replica: string;
  /** The newest protocol this hub speaks (tests pin an older hub). */
  readonly protocol?: number;
  readonly minProtocol?: number;
  readonly now?: () => number;
  /** The jitter of a failed feed read's retry (default Math.random; tests seed it). */
  readonly random?: () => number;
  /** Feed pages in flight before waiting for the store's `feed-ack`. */
  readonly feedWindow?: number;
  /** Stop sending feed pages while more than this many bytes wait in the socket. */
  readonly maxBufferedBytes?: number;
  readonly onDocSync?: (storeId: string, docId: string, data: string, session: HubSyncSession) => void;
  /** Called when a refusal or failure should be visible (metrics, console). */
  readonly onRefused?: (storeId: string, reason: string) => void;
  /**
   * The store reports the feed entries it parked (its handler refused them): how many and the latest reason. Awaited
   * in frame order; the hub keeps it in the store's sync status. When set, `welcome` lists the `feed-parked` feature.
   */
  readonly onFeedParked?: (storeId: string, parked: { count: number; reason: string | null }) => Promise<void>;
  /**
   * The store reports its disk (full after a local write failed for lack of space, or not). Awaited in frame order; a
   * failure loses only the report. When set, `welcome` lists the `store-status` feature.
   */
  readonly onStoreStatus?: (storeId: string, status: { disk: StoreDisk }) => Promise<void>;
}

type SessionPhase = 'awaiting-hello' | 'open' | 'closed';

/**
 * The hub's end of one store's connection; the store is already authenticated (its token was checked at upgrade).
 * Frames are handled one at a time in arrival order, so a store's batches apply in seq order. Anything malformed, a
 * claim on another store's origin, or an unsupported protocol is refused, logged, and closes the connection with
 * nothing applied. Feed pages go out within a window and only while the socket drains (backpressure).
 */
/** A failed feed read's retry: the first pause, the longest, and the jitter (±50 %). */
export const FEED_RETRY = { firstMs: 1_000, capMs: 30_000, jitter: 0.5 } as const;

/**
 * The pause before trying a failed feed read again, after `failures` failures in a row before this one (0 for the
 * first): 1 s doubling to 30 s, each drawn within ±50 % so thousands of sessions that failed together spread out.
 * `random` is injected for tests.
 */
export function feedRetryDelayMs(failures: number, random: () => number = Math.random): number {
  const nominal = Math.min(FEED_RETRY.capMs, FEED_RETRY.firstMs * 2 ** Math.min(Math.max(0, failures), 30));
  return Math.round(nominal * (1 - FEED_RETRY.jitter + 2 * FEED_RETRY.jitter * random()));
}

export class HubSyncSession {
  #phase: SessionPhase = 'awaiting-hello';
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  #feedSent = 0;
  #feedAcked = 0;
  #feedHead = 0;
  #pagesInFlight = 0;
  #pumping = false;
  /** Pages carry entries after this seq; an ack at or below it confirms a cursor and answers no page. */
  #pageFloor = 0;
  /** Bumped by a feed rebase: a page read before it is numbered by the old feed and must not go out. */
  #feedEpoch = 0;
  /** `welcome` listed `feed-rebase` (the storage can rebase and said what it holds at the store's cursor). */
  #rebaseOffered = false;
  /** The store's feed was rebased, or a rebase asked for, on this connection: one is all a connection gets. */
  #rebasedHere = false;
  /** The store's outbox head as it said in `hello`: it cannot have lost events past it. */
  #storeHead = 0;
  /** Feed pages were held back because the socket had not drained. */
  #heldBack = false;
  /** The store's last parked-feed report on this connection. */
  #parked: { count: number; reason: string | null } | undefined;
  /** Feed reads failed in a row (0 after one that worked); the next retry waits `feedRetryDelayMs` of it. */
  #readFailures = 0;
  /** The pending retry of a failed feed read: while it waits, nothing else reads the feed (it pumps when it fires). */
  #readRetry: NodeJS.Timeout | undefined;
  protocol = 0;
  readonly openedAt: number;

  constructor(
    readonly storeId: string,
    readonly transport: ServerTransport,
    readonly storage: HubSyncStorage,
    readonly log: SyncLogger,
    readonly options: HubSessionOptions,
  ) {
    this.openedAt = (options.now ?? Date.now)();
  }

  get phase(): SessionPhase {
    return this.#phase;
  }

  onMessage(text: string): void {
    if (this.#phase === 'closed') return;
    // A store may have `uploadWindow` batches outstanding plus a feed-ack or two; far more means it ignores the window.
    if (++this.#queued > LIMITS.uploadWindow * 4 + 8) {
      this.#refuse(
        CLOSE.policyViolation,
        'bad-message',
        'too many frames in flight: the upload window was not respected',
      );
      return;
    }
    this.#queue = this.#queue
      .then(() => this.#handle(text))
      .catch((err: unknown) => {
        this.log.error({ err, storeId: this.storeId }, 'sync frame failed');
        this.#refuse(CLOSE.goingAway, 'internal', 'the hub could not process the last frame; reconnect and resume');
      })
      .finally(() => {
        this.#queued--;
      });
  }

  onClose(): void {
    if (this.#phase === 'closed') return;
    const wasOpen = this.#phase === 'open';
    this.#phase = 'closed';
    clearTimeout(this.#readRetry);
    this.#readRetry = undefined;
    if (wasOpen) {
      this.#queue = this.#queue.then(() =>
        this.storage
          .closed(this.storeId, this.options.replica)
          .catch((err: unknown) => this.log.warn({ err }, 'could not record the disconnect')),
      );
    }
  }

  /** Something was appended to this store's feed (a notification, possibly from another replica). */
  feedChanged(): void {
    if (this.#phase !== 'open') return;
    this.#pump();
  }

  /** The feed head this session last knew; a safety net compares it with the database. */
  get knownFeedHead(): number {
    return this.#feedHead;
  }

  /** The socket drained; resume feed pages if backpressure held some back (otherwise there is nothing to do). */
  drained(): void {
    if (this.#heldBack) this.feedChanged();
  }

  sendDoc(docId: string, data: string): boolean {
    if (this.#phase !== 'open' || this.protocol < 2) return false;
    this.#send({ type: 'doc-sync', docId, data });
    return true;
  }

  /**
   * Tells the store that its `doc-sync` for `docId` was refused (no rights, an undeclared namespace, data that is not
   * a sync message, changes that would make the document invalid); the connection stays open and nothing of that
   * frame was applied. The store logs it and shows the last one in its sync status (`lastDocError`).
   */
  sendDocError(docId: string, detail: string): boolean {
    if (this.#phase !== 'open') return false;
    this.#send({ type: 'doc-error', docId: docId.slice(0, 200), detail: detail.slice(0, 500) });
    return true;
  }

  async #handle(text: string): Promise<void> {
    if (this.#phase === 'closed') return;
    const parsed = parseFrame(clientMessageSchema, text);
    if (!parsed.ok) return this.#refuse(CLOSE.protocolError, 'bad-message', parsed.reason);
    const m: ClientMessage = parsed.message;
    if (this.#phase === 'awaiting-hello') {
      if (m.type !== 'hello')
        return this.#refuse(CLOSE.protocolError, 'bad-message', `expected hello first, got ${m.type}`);
      return this.#hello(m);
    }
    switch (m.type) {
      case 'hello':
        return this.#refuse(CLOSE.protocolError, 'bad-message', 'hello sent twice');
      case 'event-batch':
        return this.#batch(m.events, m.pending);
      case 'feed-ack':
        await this.#feedParked(m.parked);
        return this.#feedAck(m.seq);
      case 'feed-rebase':
        return this.#feedRebase(m.cursor, m.at);
      case 'events-lost':
        return this.#eventsLost(m);
      case 'doc-sync':
        if (this.protocol < 2) return this.#refuse(CLOSE.protocolError, 'bad-message', 'doc-sync needs protocol 2');
        this.options.onDocSync?.(this.storeId, m.docId, m.data, this);
        return;
      case 'store-status':
        if (!this.options.onStoreStatus)
          return this.#refuse(CLOSE.protocolError, 'bad-message', 'store-status was not offered by this hub');
        try {
          await this.options.onStoreStatus(this.storeId, { disk: m.disk });
        } catch (err) {
          this.log.warn({ err, storeId: this.storeId }, "could not record the store's status");
        }
    }
  }

  async #hello(m: Extract<ClientMessage, { type: 'hello' }>): Promise<void> {
    const newest = this.options.protocol ?? PROTOCOL_VERSION;
    const oldest = this.options.minProtocol ?? MIN_PROTOCOL_VERSION;
    if (m.protocol < oldest || m.protocol > newest) {
      const advice = m.protocol > newest ? 'upgrade the hub before this store' : 'upgrade this store node';
      return this.#refuse(
        CLOSE.unsupportedProtocol,
        'unsupported-protocol',
        `hub speaks sync protocol ${oldest}–${newest}, store speaks ${m.protocol}: ${advice}`,
      );
    }
    if (m.storeId !== this.storeId) {
      return this.#refuse(
        CLOSE.unauthorized,
        'forbidden',
        `hello names store ${m.storeId}, but the credential is store ${this.storeId}`,
      );
    }
    this.protocol = m.protocol;
    this.#storeHead = m.outboxHead;
    const { ackedSeq, ackedHlc, feedHead, feedAcked, feedAt, feedRebased, feedRefused } = await this.storage.open(
      this.storeId,
      {
        protocol: m.protocol,
        outboxHead: m.outboxHead,
        feedCursor: m.feedCursor,
        replica: this.options.replica,
      },
    );
    if (this.#phase === 'closed') return;
    this.#phase = 'open'; // recorded as connected: a refusal from here on records the disconnect too
    if (feedRefused) return this.#refuse(CLOSE.policyViolation, 'bad-message', feedRefused);
    this.#rebasedHere = feedRebased !== undefined;
    this.#feedSent = this.#pageFloor = Math.min(m.feedCursor, feedHead);
    this.#feedAcked = Math.min(feedAcked ?? m.feedCursor, this.#feedSent);
    this.#feedHead = feedHead;
    if (feedRebased) this.#logRebase(m.feedCursor, feedHead, feedRebased, 'its cursor was past the hub’s feed');
    this.#rebaseOffered = this.storage.rebaseFeed !== undefined && feedAt !== undefined;
    const offered = [
      ...(this.options.onFeedParked ? ['feed-parked'] : []),
      ...(this.options.onStoreStatus ? ['store-status'] : []),
      ...(this.#rebaseOffered ? ['feed-rebase'] : []),
      ...(this.storage.recordLostEvents ? ['events-lost'] : []),
    ];
    const features = offered.length ? { features: offered } : {};
    const feed = { ...(feedAt !== undefined ? { feedAt } : {}), ...(feedRebased ? { feedRebased } : {}) };
    const docWindow = LIMITS.docWindow;
    this.#send({
      type: 'welcome',
      protocol: m.protocol,
      hubTime: (this.options.now ?? Date.now)(),
      ackedSeq,
      ackedHlc,
      feedHead,
      ...features,
      docWindow,
      ...feed,
    });
    this.#pump();
  }

  /**
   * The store applied another entry at its cursor than the one this hub holds there (a hub restored from an older
   * backup): the hub rebases the store's feed to follow its cursor, and pages start again from there. Pages sent
   * before were numbered by the old feed; the store ignored them, so they count no more.
   */
  async #feedRebase(cursor: number, at: FeedPosition | null): Promise<void> {
    if (!this.#rebaseOffered || !this.storage.rebaseFeed)
      return this.#refuse(CLOSE.protocolError, 'bad-message', 'feed-rebase was not offered by this hub');
    if (at && at.seq !== cursor)
      return this.#refuse(
        CLOSE.protocolError,
        'bad-message',
        `feed-rebase names entry ${at.seq}, not the cursor ${cursor}`,
      );
    if (this.#rebasedHere)
      return this.#refuse(
        CLOSE.policyViolation,
        'bad-message',
        'feed-rebase after this connection already rebased the feed (one per connection)',
      );
    this.#rebasedHere = true;
    const answer = await this.storage.rebaseFeed(this.storeId, { cursor, at });
    if ('refused' in answer) return this.#refuse(CLOSE.policyViolation, 'bad-message', answer.refused);
    const { head, rebased } = answer;
    if (this.#phase !== 'open') return;
    this.#feedEpoch++;
    this.#feedSent = this.#feedAcked = this.#pageFloor = cursor;
    this.#feedHead = head;
    this.#pagesInFlight = 0;
    if (rebased) this.#logRebase(cursor, head, rebased, 'it applied another entry at its cursor');
    this.#send({ type: 'feed-rebased', cursor, head, rebasedAt: rebased?.at ?? null, moved: rebased?.moved ?? 0 });
    this.#pump();
  }

  #logRebase(cursor: number, head: number, rebased: FeedRebaseReport, why: string): void {
    this.log.warn(
      { storeId: this.storeId, cursor, head, moved: rebased.moved },
      `feed rebased after a hub restore: ${why}; ${rebased.moved} entries follow its cursor ${cursor}`,
    );
  }

  async #batch(
    events: Extract<ClientMessage, { type: 'event-batch' }>['events'],
    pending: number | undefined,
  ): Promise<void> {
    const fault = batchFault(events, this.storeId);
    if (fault) {
      const forbidden = fault.includes('claims origin');
      return this.#refuse(
        forbidden ? CLOSE.unauthorized : CLOSE.protocolError,
        forbidden ? 'forbidden' : 'bad-message',
        fault,
      );
    }
    const bytes = events.reduce((n, e) => n + JSON.stringify(e.payload ?? null).length, 0);
    if (bytes > LIMITS.maxBatchBytes * 2)
      return this.#refuse(CLOSE.tooBig, 'bad-message', `batch of ${bytes} bytes is over the limit`);
    const result = await this.storage.applyBatch(this.storeId, events, pending);
    if (result.gapFrom !== undefined) {
      this.#send({
        type: 'resend',
        fromSeq: result.gapFrom,
        reason: `batch starts at ${events[0]!.seq}, hub holds up to ${result.ackedSeq}`,
      });
    } else {
      this.#send({ type: 'ack', seq: result.ackedSeq });
    }
  }

  /**
   * The store no longer holds events this hub lacks (the hub was restored from a backup older than the store keeps
   * acknowledged events). The loss is done: recorded, and uploads go on after it rather than wait for good. Only the
   * exact gap is taken (see HubSyncStorage.recordLostEvents); anything else is refused with nothing changed.
   */
  async #eventsLost(m: Extract<ClientMessage, { type: 'events-lost' }>): Promise<void> {
    if (!this.storage.recordLostEvents)
      return this.#refuse(CLOSE.protocolError, 'bad-message', 'events-lost was not offered by this hub');
    const range = `events-lost ${m.fromSeq}–${m.toSeq}`;
    if (m.toSeq < m.fromSeq)
      return this.#refuse(CLOSE.protocolError, 'bad-message', `${range} is not a range: it ends before it starts`);
    if (m.toSeq - m.fromSeq >= LIMITS.maxLostEvents) {
      return this.#refuse(
        CLOSE.protocolError,
        'bad-message',
        `${range} is more than the ${LIMITS.maxLostEvents} events one report may say are lost`,
      );
    }
    if (m.toSeq > this.#storeHead) {
      return this.#refuse(
        CLOSE.protocolError,
        'bad-message',
        `${range} reaches past this store's outbox head ${this.#storeHead}: a store cannot lose events it never made`,
      );
    }
    const result = await this.storage.recordLostEvents(this.storeId, {
      fromSeq: m.fromSeq,
      toSeq: m.toSeq,
      reason: m.reason,
    });
    if ('refused' in result)
      return this.#refuse(CLOSE.protocolError, 'bad-message', `${range} refused: ${result.refused}`);
    if (result.recorded) {
      this.log.warn(
        { storeId: this.storeId, fromSeq: m.fromSeq, toSeq: m.toSeq, reason: m.reason },
        `${lostEventsNote(m.fromSeq, m.toSeq)}; recorded, and the store's uploads go on after them`,
      );
    }
    if (this.#phase === 'open') this.#send({ type: 'ack', seq: result.ackedSeq });
  }

  async #feedAck(seq: number): Promise<void> {
    if (seq > this.#feedSent)
      return this.#refuse(
        CLOSE.protocolError,
        'bad-message',
        `feed-ack ${seq} is past what was sent (${this.#feedSent})`,
      );
    if (seq > this.#feedAcked) {
      this.#feedAcked = seq;
      await this.storage.ackFeed(this.storeId, seq);
    }
    if (seq > this.#pageFloor) this.#pagesInFlight = Math.max(0, this.#pagesInFlight - 1);
    this.#pump();
  }

  /** Passes a changed parked-feed report on (each `feed-ack` repeats it; only a change is recorded). */
  async #feedParked(parked: { count: number; reason: string | null } | undefined): Promise<void> {
    if (!parked || !this.options.onFeedParked) return;
    if (this.#parked && this.#parked.count === parked.count && this.#parked.reason === parked.reason) return;
    try {
      await this.options.onFeedParked(this.storeId, parked);
      this.#parked = parked;
    } catch (err) {
      // Only the report is lost (the next feed-ack repeats it); the feed itself goes on.
      this.log.warn({ err, storeId: this.storeId }, "could not record the store's parked feed entries");
    }
  }

  /**
   * Sends what the store's feed holds, never throwing: a read that fails (the database unreachable, its pool out of
   * connections) is logged and tried again while the session is open, after a pause that doubles from 1 s to 30 s with
   * ±50 % jitter (`feedRetryDelayMs`) and starts over after a read that works. It used to retry every second on the
   * dot: 5,000 sessions whose reads timed out in a full pool kept that pool full (the fleet trial logged 183,615 such
   * retries). While a retry waits, a feed change or an ack does not read early; the store's batches and their acks go
   * on meanwhile (they do not wait for the feed).
   */
  #pump(): void {
    if (this.#readRetry !== undefined) return;
    this.#pumpFeed().then(
      () => {
        this.#readFailures = 0;
      },
      (err: unknown) => {
        const delayMs = feedRetryDelayMs(this.#readFailures++, this.options.random);
        const seconds = Math.round(delayMs / 100) / 10;
        const note = `could not read the store’s feed; trying again in ${seconds} s`;
        // the 1st, 2nd, 4th, 8th… failure in a row is logged: every one would flood the log at fleet scale
        const failures = this.#readFailures;
        if ((failures & (failures - 1)) === 0) this.log.warn({ err, storeId: this.storeId, failures }, note);
        this.#readRetry = setTimeout(() => {
          this.#readRetry = undefined;
          if (this.#phase === 'open') this.#pump();
        }, delayMs);
        this.#readRetry.unref();
      },
    );
  }

  async #pumpFeed(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      const window = this.options.feedWindow ?? 2;
      const maxBuffered = this.options.maxBufferedBytes ?? 1024 * 1024;
      let checkedHead = false;
      this.#heldBack = false;
      while (this.#phase === 'open' && this.#pagesInFlight < window) {
        if (this.transport.bufferedAmount() >= maxBuffered) {
          this.#heldBack = true;
          break;
        }
        const epoch = this.#feedEpoch;
        const read = await this.storage.readFeed(this.storeId, this.#feedSent, LIMITS.maxFeedPageEntries);
        if (epoch !== this.#feedEpoch) continue; // read before a rebase: numbered by the old feed
        const { run: entries, next } = splitAtGap(this.#feedSent, read);
        if (entries.length === 0 && next !== null) {
          if (!(await this.#skipGap(next))) break; // gone meanwhile: a rebase or a feed change pumps again
          continue;
        }
        if (entries.length === 0) {
          if (checkedHead) break;
          checkedHead = true;
          const head = await this.storage.feedHead(this.storeId);
          if (epoch !== this.#feedEpoch) continue;
          this.#feedHead = Math.max(this.#feedHead, head);
          if (this.#feedHead <= this.#feedSent) break;
          continue;
        }
        if (this.#phase !== 'open') break;
        this.#feedSent = entries[entries.length - 1]!.seq;
        this.#feedHead = Math.max(this.#feedHead, this.#feedSent);
        this.#pagesInFlight++;
        this.#send({ type: 'feed-page', entries, head: this.#feedHead });
      }
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * The next entry the hub holds is `next`, past the store's cursor + 1: the entries between are gone (retention, or a
   * rebase renumbered past them). Checked again under the feed's lock (a reconcile entry is made to follow the gap),
   * then the store is told to skip them before the page. False when the gap was gone by then or the feed was rebased.
   */
  async #skipGap(next: number): Promise<boolean> {
    const epoch = this.#feedEpoch;
    const fromSeq = this.#feedSent + 1;
    const gap = this.storage.skipFeedGap
      ? await this.storage.skipFeedGap(this.storeId, this.#feedSent)
      : { toSeq: next - 1, head: this.#feedHead, reconciled: 0 };
    if (!gap || epoch !== this.#feedEpoch || this.#phase !== 'open' || gap.toSeq < fromSeq) return false;
    this.#feedSent = gap.toSeq;
    this.#feedHead = Math.max(this.#feedHead, gap.head);
    const reason = `entries ${fromSeq}–${gap.toSeq} are no longer in this store's feed at the hub (removed by retention after a store disk acknowledged them, or renumbered past them by a feed rebase); a hold snapshot follows`;
    this.log.warn(
      { storeId: this.storeId, fromSeq, toSeq: gap.toSeq, reconciled: gap.reconciled },
      `feed gap: told the store to skip ${reason}`,
    );
    this.#send({ type: 'feed-skip', fromSeq, toSeq: gap.toSeq, head: this.#feedHead, reason });
    return true;
  }

  #refuse(code: number, kind: Extract<HubMessage, { type: 'error' }>['code'], message: string): void {
    if (this.#phase === 'closed') return;
    this.log.warn({ storeId: this.storeId, kind, reason: message }, 'sync connection refused');
    this.options.onRefused?.(this.storeId, message);
    this.#send({ type: 'error', code: kind, message });
    const wasOpen = this.#phase === 'open';
    this.#phase = 'closed';
    this.transport.close(code, closeReason(message));
    if (wasOpen) void this.storage.closed(this.storeId, this.options.replica).catch(() => undefined);
  }

  #send(m: HubMessage): void {
    this.transport.send(JSON.stringify(m));
  }
}
