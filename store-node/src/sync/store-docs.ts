import type { ChangeFn, Doc } from '@automerge/automerge';
import { CART_GENESIS, cartDocProblems, type FieldIssue } from '@storefleet/shared';
import { DocReplica, DOC_ID_RE, docNamespace, fromBase64, newProblemsCheck, toBase64, type DocContentCheck, type SyncLogger } from '@storefleet/sync';
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

/**
 * Automerge documents at the store: open, change and subscribe by doc id, offline too. Every change is saved to
 * SQLite before anyone is told, then synced with the hub over the store's sync connection when there is one; after
 * each reconnect every open document is re-synced from a fresh sync state. What the hub lets this store touch is
 * the hub's decision (it refuses documents outside the store's rights).
 */
export class StoreDocs {
  readonly #open = new Map<string, DocReplica>();
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #load;
  readonly #save;

  constructor(
    readonly db: SqliteDb,
    readonly send: (docId: string, data: string) => boolean,
    readonly log: SyncLogger,
    readonly now: () => number = Date.now,
  ) {
    this.#load = db.prepare('SELECT data FROM sync_docs WHERE doc_id = ?').pluck();
    this.#save = db.prepare(
      'INSERT INTO sync_docs (doc_id, data, updated_at) VALUES (?, ?, ?) ON CONFLICT (doc_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at',
    );
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
    if (r.change(fn, checkOf(docId))) this.#changed(r);
    return r.doc;
  }

  subscribe<T>(docId: string, listener: (doc: Doc<T>) => void): () => void {
    this.#replica(docId);
    const set = this.#listeners.get(docId) ?? new Set();
    set.add(listener as Listener);
    this.#listeners.set(docId, set);
    return () => set.delete(listener as Listener);
  }

  /** A `doc-sync` frame from the hub. */
  receive(docId: string, data: string): void {
    if (!DOC_ID_RE.test(docId)) return this.log.warn({ docId }, 'ignoring doc-sync for a malformed doc id');
    const r = this.#replica(docId, false);
    if (r.receive(HUB, fromBase64(data))) this.#changed(r, false);
    this.#flush(r);
  }

  /** The sync connection is (re)established: re-sync every open document from scratch. */
  connected(): void {
    for (const r of this.#open.values()) {
      r.resetPeer(HUB);
      this.#flush(r);
    }
  }

  #replica<T>(docId: string, announce = true): DocReplica<T> {
    let r = this.#open.get(docId) as DocReplica<T> | undefined;
    if (r) return r;
    if (!DOC_ID_RE.test(docId)) throw new Error(`not a document id: ${docId} (expected namespace:key)`);
    const stored = this.#load.get(docId) as Buffer | undefined;
    r = DocReplica.fromChunks<T>(docId, stored ? [new Uint8Array(stored)] : [], genesisOf(docId));
    this.#open.set(docId, r as DocReplica);
    if (announce) this.#flush(r);
    return r;
  }

  #changed(r: DocReplica<any>, sync = true): void {
    this.#save.run(r.docId, Buffer.from(r.snapshot()), this.now());
    for (const l of this.#listeners.get(r.docId) ?? []) {
      try {
        l(r.doc);
      } catch (err) {
        this.log.error({ err, docId: r.docId }, 'a document listener failed');
      }
    }
    if (sync) this.#flush(r);
  }

  #flush(r: DocReplica<any>): void {
    for (let i = 0; i < 8; i++) {
      const message = r.generate(HUB);
      if (!message) return;
      // Offline: the change is safe in SQLite; the fresh sync state after reconnect will carry it.
      if (!this.send(r.docId, toBase64(message))) return r.resetPeer(HUB);
    }
  }
}
