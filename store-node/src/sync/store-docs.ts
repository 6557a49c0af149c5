import type { ChangeFn, Doc } from '@automerge/automerge';
import { CART_GENESIS, LIMITS, cartDocProblems, type FieldIssue } from '@storefleet/shared';
import {
  DocReplica,
  DOC_ID_RE,
  docNamespace,
  fromBase64,
  newProblemsCheck,
  toBase64,
  type DocContentCheck,
  type SyncLogger,
} from '@storefleet/sync';
import type { SqliteDb } from '../db/open-sqlite.js';

const HUB = 'hub';

/**
 * What the store knows of each namespace the hub declares: its content rule (the same the hub runs, so a change the
 * hub would refuse is refused here, before it is saved and can cut the document's sync) and its fixed first change.
 */
const NAMESPACES: Record<string, { validate: (doc: unknown) => readonly FieldIssue[]; genesis?: Uint8Array }> = {
  cart: { validate: cartDocProblems, genesis: CART_GENESIS },
};
const checks = new Map(Object.entries(NAMESPACES).map(([ns, n]) => [ns, newProblemsCheck(n.validate)] as const));
const checkOf = (docId: string): DocContentCheck | undefined => checks.get(docNamespace(docId) ?? '');
const genesisOf = (docId: string): Uint8Array | undefined => NAMESPACES[docNamespace(docId) ?? '']?.genesis;
type Listener = (doc: Doc<unknown>) => void;

/** Documents kept in memory before the least recently used idle one (no subscriber, nothing unanswered) is dropped. */
const DEFAULT_MAX_OPEN = 200;
/** An unanswered `doc-sync` (the hub answers only when it has something to say) frees its slot after this long. */
const DEFAULT_ANSWER_MS = 5_000;

export interface StoreDocsOptions {
  /** Documents kept open in memory (default 200); an idle one past this is saved already and dropped, reopened on use. */
  readonly maxOpen?: number;
  readonly answerMs?: number;
}

/**
 * Automerge documents at the store: open, change and subscribe by doc id, offline too. Every change is saved to
 * SQLite before anyone is told, then synced with the hub over the store's sync connection when there is one; after
 * each reconnect every open document, and every one changed here that the hub may lack, is re-synced from a fresh
 * sync state. What the hub lets this store touch is the hub's decision (it refuses documents outside its rights).
 *
 * Flow control: at most `docWindow` documents (the hub's word in `welcome`) have a `doc-sync` frame unanswered; the
 * rest wait in order and go out as the hub answers (or, since the hub answers only when it has something to say,
 * when a frame has gone unanswered for `answerMs`). So a store with thousands of documents never floods the hub's
 * limit on frames in flight. Memory: at most `maxOpen` documents are held; the least recently used one with no
 * subscriber and no frame unanswered is dropped (its state is in SQLite) and reloaded on use.
 */
export class StoreDocs {
  readonly #open = new Map<string, DocReplica>();
  readonly #listeners = new Map<string, Set<Listener>>();
  /**
   * Documents changed here that the hub has not confirmed holding (they re-sync on every reconnect). Kept in SQLite
   * too (`sync_docs.unconfirmed`), so after a restart they re-sync on connect without being opened.
   */
  readonly #unsynced = new Set<string>();
  /** Documents with a `doc-sync` frame unanswered. */
  readonly #inFlight = new Set<string>();
  /** Documents waiting for a slot, in order. */
  readonly #waiting = new Set<string>();
  #window: number = LIMITS.defaultDocWindow;
  #online = false;
  #answerTimer: NodeJS.Timeout | undefined;
  readonly #maxOpen: number;
  readonly #answerMs: number;
  readonly #load;
  readonly #save;
  readonly #confirm;

  constructor(
    readonly db: SqliteDb,
    readonly send: (docId: string, data: string) => boolean,
    readonly log: SyncLogger,
    readonly now: () => number = Date.now,
    options: StoreDocsOptions = {},
  ) {
    this.#maxOpen = Math.max(1, options.maxOpen ?? DEFAULT_MAX_OPEN);
    this.#answerMs = options.answerMs ?? DEFAULT_ANSWER_MS;
    this.#load = db.prepare('SELECT data FROM sync_docs WHERE doc_id = ?').pluck();
    // A change from the hub leaves the mark as it was; only the hub's confirmation clears it (#confirmed).
    this.#save = db.prepare(
      `INSERT INTO sync_docs (doc_id, data, updated_at, unconfirmed) VALUES (?, ?, ?, ?) ON CONFLICT (doc_id) DO UPDATE SET
         data = excluded.data, updated_at = excluded.updated_at, unconfirmed = max(sync_docs.unconfirmed, excluded.unconfirmed)`,
    );
    this.#confirm = db.prepare('UPDATE sync_docs SET unconfirmed = 0 WHERE doc_id = ? AND unconfirmed = 1');
    for (const docId of db
      .prepare('SELECT doc_id FROM sync_docs WHERE unconfirmed = 1 ORDER BY updated_at')
      .pluck()
      .all() as string[])
      this.#unsynced.add(docId);
  }

  /** Documents held in memory now (at most `maxOpen`, plus any with a subscriber or a frame unanswered). */
  get openCount(): number {
    return this.#open.size;
  }

  /** The document, from this store's copy (empty if new); starts syncing it with the hub. */
  open<T>(docId: string): Doc<T> {
    return this.#replica<T>(docId).doc;
  }

  /**
   * Changes the document here (offline too) and syncs it. Throws DocContentError (a ValidationError, 400) when the
   * change would break its namespace's content rule; nothing is kept or sent then.
   */
  change<T>(docId: string, fn: ChangeFn<T>): Doc<T> {
    const r = this.#replica<T>(docId);
    if (r.change(fn, checkOf(docId))) {
      this.#unsynced.add(docId);
      this.#changed(r, true, true);
    }
    return r.doc;
  }

  subscribe<T>(docId: string, listener: (doc: Doc<T>) => void): () => void {
    this.#replica(docId);
    const set = this.#listeners.get(docId) ?? new Set();
    set.add(listener as Listener);
    this.#listeners.set(docId, set);
    return () => {
      set.delete(listener as Listener);
      if (!set.size && this.#listeners.get(docId) === set) this.#listeners.delete(docId);
    };
  }

  /** A `doc-sync` frame from the hub (the answer to ours, or news). */
  receive(docId: string, data: string): void {
    if (!DOC_ID_RE.test(docId)) {
      this.log.warn({ docId }, 'ignoring doc-sync for a malformed doc id');
      return;
    }
    this.#answered(docId);
    const r = this.#replica(docId, false);
    if (r.receive(HUB, fromBase64(data))) this.#changed(r, false);
    this.#flush(r);
    if (r.inSyncWith(HUB)) this.#confirmed(docId);
    this.#pump();
  }

  /** The hub refused a `doc-sync` of ours (`doc-error`): that frame is answered. */
  refused(docId: string): void {
    this.#answered(docId);
    this.#pump();
  }

  /**
   * The sync connection is (re)established: re-sync every open document, and every one changed here the hub may lack,
   * from scratch, at most `docWindow` frames unanswered at once.
   */
  connected(hub: { readonly docWindow?: number } = {}): void {
    this.#online = true;
    this.#window = Math.max(1, hub.docWindow ?? LIMITS.defaultDocWindow);
    this.#inFlight.clear();
    this.#waiting.clear();
    for (const r of this.#open.values()) r.resetPeer(HUB);
    for (const docId of [...this.#open.keys(), ...this.#unsynced]) this.#waiting.add(docId);
    this.#pump();
  }

  #replica<T>(docId: string, announce = true): DocReplica<T> {
    let r = this.#open.get(docId) as DocReplica<T> | undefined;
    if (r) {
      this.#open.delete(docId); // most recently used last
      this.#open.set(docId, r as DocReplica);
      return r;
    }
    if (!DOC_ID_RE.test(docId)) throw new Error(`not a document id: ${docId} (expected namespace:key)`);
    const stored = this.#load.get(docId) as Buffer | undefined;
    r = DocReplica.fromChunks<T>(docId, stored ? [new Uint8Array(stored)] : [], genesisOf(docId));
    this.#open.set(docId, r as DocReplica);
    this.#evict();
    if (announce) this.#flush(r);
    return r;
  }

  /** Drops the least recently used idle documents past the cap (each is saved on every change already). */
  #evict(): void {
    if (this.#open.size <= this.#maxOpen) return;
    for (const docId of this.#open.keys()) {
      if (this.#open.size <= this.#maxOpen) return;
      if (this.#listeners.has(docId) || this.#inFlight.has(docId)) continue;
      this.#open.delete(docId); // if it was waiting for a slot, it is reloaded when its turn comes
    }
  }

  /** Saves the document (a change made here marks it unconfirmed until the hub holds it), tells listeners, syncs. */
  #changed(r: DocReplica<unknown>, sync = true, local = false): void {
    this.#save.run(r.docId, Buffer.from(r.snapshot()), this.now(), local ? 1 : 0);
    for (const l of this.#listeners.get(r.docId) ?? []) {
      try {
        l(r.doc);
      } catch (err) {
        this.log.error({ err, docId: r.docId }, 'a document listener failed');
      }
    }
    if (sync) this.#flush(r);
  }

  /** Sends the document's next message if a slot is free; otherwise it waits its turn. */
  #flush(r: DocReplica<unknown>): void {
    if (!this.#online) return;
    if (this.#inFlight.has(r.docId) || this.#inFlight.size >= this.#window) {
      // An unanswered document sends again when answered (receive flushes it); any other waits for a slot.
      if (!this.#inFlight.has(r.docId)) this.#waiting.add(r.docId);
      return;
    }
    const message = r.generate(HUB);
    if (!message) return;
    if (!this.send(r.docId, toBase64(message))) {
      // Offline: the change is safe in SQLite; the fresh sync state after reconnect will carry it.
      r.resetPeer(HUB);
      this.#offline();
      return;
    }
    this.#inFlight.add(r.docId);
    this.#armAnswerTimer();
  }

  /** Sends waiting documents while slots are free. */
  #pump(): void {
    while (this.#online && this.#inFlight.size < this.#window && this.#waiting.size) {
      const docId = this.#waiting.values().next().value!;
      this.#waiting.delete(docId);
      const open = this.#open.get(docId);
      const r = open ?? this.#replica(docId, false);
      if (!open) r.resetPeer(HUB);
      this.#flush(r);
      if (r.inSyncWith(HUB)) this.#confirmed(docId);
    }
    this.#evict();
  }

  /** The hub holds everything of the document this store has: it no longer needs a re-sync on connect. */
  #confirmed(docId: string): void {
    if (this.#unsynced.delete(docId)) this.#confirm.run(docId);
  }

  #answered(docId: string): void {
    this.#inFlight.delete(docId);
    if (!this.#inFlight.size) this.#clearAnswerTimer();
    else this.#armAnswerTimer();
  }

  #offline(): void {
    this.#online = false;
    this.#inFlight.clear();
    this.#waiting.clear();
    this.#clearAnswerTimer();
  }

  /** The hub need not answer a frame that told it nothing new: after `answerMs` of silence, free every slot. */
  #armAnswerTimer(): void {
    this.#clearAnswerTimer();
    this.#answerTimer = setTimeout(() => {
      this.#answerTimer = undefined;
      this.#inFlight.clear();
      try {
        if (this.db.open) this.#pump();
      } catch (err) {
        this.log.warn({ err }, 'could not resume document sync; it resumes on the next reconnect');
      }
    }, this.#answerMs);
    this.#answerTimer.unref?.();
  }

  #clearAnswerTimer(): void {
    if (this.#answerTimer) clearTimeout(this.#answerTimer);
    this.#answerTimer = undefined;
  }
}
