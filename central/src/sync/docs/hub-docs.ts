import * as A from '@automerge/automerge';
import type { ChangeFn, Doc } from '@automerge/automerge';
import { DocContentError, DocReplica, fromBase64, toBase64 } from '@storefleet/sync';
import type { Logger } from 'pino';
import { AppError, ForbiddenError, ValidationError } from '@storefleet/shared';
import type { Caller } from '../../kernel/principal.js';
import type { DocAccess } from './doc-access.js';
import type { DocRepository } from './doc-repository.js';

/** Send a sync message to one connected peer; false when it is gone. */
export type PeerSender = (docId: string, data: string) => boolean;

/**
 * What a peer that may not read a document (DocAccess.mayRead) syncs with instead: a copy holding only the namespace's
 * first change and what that peer itself sent. So it learns nothing of the document, yet Automerge's sync asks it for
 * its changes (a peer sends changes only to one that answers), and those are applied to the real document.
 */
interface Blind {
  doc: Doc<unknown>;
  state: A.SyncState;
  told: boolean;
}

interface Entry {
  replica: DocReplica<unknown>;
  lastSeq: number;
  chunksSinceSnapshot: number;
  queue: Promise<unknown>;
}

const COMPACT_AFTER_CHUNKS = 64;
/** Documents a peer may have refused per connection before the oldest refusal is forgotten. */
const MAX_REFUSED_PER_PEER = 1000;
/** Documents kept in memory per replica before idle ones (no peer, no subscriber) are dropped; they reload on use. */
const DEFAULT_MAX_CACHED = 5000;

/**
 * The hub's Automerge documents. Each document is loaded once per replica and kept with a sync state per connected
 * peer (`store:<id>` for store nodes). Changes, from a peer or through the API, are appended to Postgres and announced
 * with NOTIFY, so peers on other replicas receive them as well. Work on one document is serialised in this replica.
 *
 * Content: every change, from a peer or through the API, is applied to a copy first and kept only if the document it
 * makes passes `DocAccess.contentCheck` (no U+0000 or lone surrogate anywhere, the namespace's own rule); a refused
 * change is not stored, announced or sent on, and the hub's copy stays as it was. A peer whose change was refused
 * cannot take it back (Automerge changes are permanent and later ones build on it), and Automerge's sync would ask it
 * for that change again and again; so the document is closed to that peer until it reconnects: its frames for it are
 * answered with the refusal, nothing more, and it hears no more changes to it. After a reconnect the peer offers the
 * change again and is refused once more: one refusal per connection, never a loop. (The store logs each refusal and
 * shows the last in its sync status as `lastDocError`; its own copy keeps the change.)
 *
 * Reads: a peer with read access whose namespace's read gate (DocAccess.mayRead) says no — a store not linked to a
 * cart's customer — is sent nothing of the document: it syncs with a blind copy (see Blind) and hears one `doc-error`
 * per connection saying why. A frame of its that carries changes is a write (its rights permitting): the changes are
 * applied like any peer's, and if the gate then lets it read (the write linked it), it is served the whole document
 * from then on, starting from a fresh sync state.
 */
export class HubDocs {
  readonly #docs = new Map<string, Entry>();
  readonly #peers = new Map<string, PeerSender>();
  /** Per peer: documents whose changes from it were refused on this connection, with why. */
  readonly #refused = new Map<string, Map<string, string>>();
  /** Per peer: documents it may not read (yet), each with the blind copy it syncs with. */
  readonly #blind = new Map<string, Map<string, Blind>>();
  readonly #listeners = new Map<string, Set<(doc: Doc<unknown>) => void>>();

  constructor(
    readonly repo: DocRepository,
    readonly access: DocAccess,
    readonly log: Logger,
    readonly maxCached: number = DEFAULT_MAX_CACHED,
  ) {}

  /**
   * A sync frame from a connected peer. Throws ForbiddenError for a document outside its rights (or changes to one it
   * may only read), and once per connection for a document it may not read yet (see the class comment; its changes
   * were kept all the same), ValidationError for a doc id or data that is not a sync message, and DocContentError (a
   * ValidationError naming each problem) for changes that would make the document invalid, or for any frame on a
   * document refused to this peer before on this connection; nothing of a refused frame is applied.
   */
  async fromPeer(peer: string, principal: Caller, send: PeerSender, docId: string, data: string): Promise<void> {
    const right = this.access.check(principal, docId, 'read');
    this.#peers.set(peer, send);
    await this.#serial(docId, async (e) => {
      const refused = this.#refused.get(peer)?.get(docId);
      if (refused)
        throw new ValidationError(`${refused} (this document no longer syncs with this store until it reconnects)`);
      if (!(await this.access.mayRead(principal, docId, e.replica.doc)))
        return this.#fromBlindPeer(peer, principal, send, e, data, right === 'read');
      if (this.#blind.get(peer)?.delete(docId)) e.replica.resetPeer(peer); // it may read now (linked elsewhere): serve it
      let changed: boolean;
      try {
        changed = e.replica.receive(peer, fromBase64(data), right === 'read', this.access.contentCheck(docId));
      } catch (err) {
        this.#failed(peer, e, err);
      }
      if (changed) {
        await this.#persist(docId, e, peer);
        this.access.used(principal, docId, 'write'); // the frame was a write: its listeners hear so
      } else this.access.used(principal, docId, 'read');
      this.#flushTo(e, peer);
    });
  }

  /** A frame from a peer that may not read the document (see Blind); inside the document's queue. */
  async #fromBlindPeer(
    peer: string,
    principal: Caller,
    send: PeerSender,
    e: Entry,
    data: string,
    readOnly: boolean,
  ): Promise<void> {
    const docId = e.replica.docId;
    const blinds = this.#blind.get(peer) ?? new Map<string, Blind>();
    this.#blind.set(peer, blinds);
    let b = blinds.get(docId);
    if (!b) {
      const genesis = this.access.genesis(docId);
      b = { doc: genesis ? A.load(genesis) : A.init(), state: A.initSyncState(), told: false };
      if (blinds.size >= MAX_REFUSED_PER_PEER) blinds.delete(blinds.keys().next().value!);
      blinds.set(docId, b);
      e.replica.dropPeer(peer); // it hears no more of the document, should it have been a reader before
    }
    let doc: Doc<unknown>;
    let state: A.SyncState;
    let changed = false;
    try {
      [doc, state] = A.receiveSyncMessage(b.doc, b.state, fromBase64(data));
      const brought = A.getChanges(b.doc, doc);
      if (brought.length && readOnly) throw new ForbiddenError(`peer ${peer} may only read ${docId} but sent changes`);
      if (brought.length) changed = e.replica.apply(brought, this.access.contentCheck(docId));
    } catch (err) {
      this.#failed(peer, e, err);
    }
    b.doc = doc;
    b.state = state;
    if (changed) {
      await this.#persist(docId, e, peer);
      this.access.used(principal, docId, 'write');
      if (await this.access.mayRead(principal, docId, e.replica.doc)) {
        // Its write let it read: from now on it syncs with the document itself, from a fresh state.
        blinds.delete(docId);
        e.replica.resetPeer(peer);
        return this.#flushTo(e, peer);
      }
    }
    const [next, message] = A.generateSyncMessage(b.doc, b.state);
    b.state = next;
    if (message && !send(docId, toBase64(message))) return this.peerGone(peer);
    if (!b.told) {
      b.told = true;
      throw new ForbiddenError(
        `${docId}: ${this.access.readRefusal(docId)} (until then this store is sent nothing of it)`,
      );
    }
  }

  /** A frame's changes could not be taken: refuse the document to the peer for content, and say why. */
  #failed(peer: string, e: Entry, err: unknown): never {
    if (err instanceof DocContentError) this.#refuse(peer, e, err);
    if (err instanceof AppError) throw err;
    throw new ValidationError(
      `doc-sync for ${e.replica.docId} is not a sync message for this document (${(err as Error).message})`,
    );
  }

  /** The peer disconnected: forget its sync states (and the documents refused to it). */
  peerGone(peer: string): void {
    this.#peers.delete(peer);
    this.#refused.delete(peer);
    this.#blind.delete(peer);
    for (const e of this.#docs.values()) e.replica.dropPeer(peer);
  }

  /** The document, to a caller with read access (a module applies its read gate itself, as its API answers differ). */
  async read<T>(principal: Caller, docId: string): Promise<Doc<T>> {
    this.access.check(principal, docId, 'read');
    return this.#serial(docId, async (e) => {
      this.access.used(principal, docId, 'read');
      return e.replica.doc as Doc<T>;
    });
  }

  /**
   * A change through the API (web and app clients); synced to every peer of the document. `changed` is false when `fn`
   * changed nothing (listeners then hear no write). Throws DocContentError (a ValidationError, 400) when the change
   * would make the document invalid; nothing is kept then.
   */
  async update<T>(principal: Caller, docId: string, fn: ChangeFn<T>): Promise<{ doc: Doc<T>; changed: boolean }> {
    this.access.check(principal, docId, 'write');
    return this.#serial(docId, async (e) => {
      const changed = e.replica.change(fn as ChangeFn<unknown>, this.access.contentCheck(docId));
      if (changed) {
        await this.#persist(docId, e);
        this.access.used(principal, docId, 'write');
      }
      return { doc: e.replica.doc as Doc<T>, changed };
    });
  }

  /** `update`, for callers that need only the document. */
  async change<T>(principal: Caller, docId: string, fn: ChangeFn<T>): Promise<Doc<T>> {
    return (await this.update(principal, docId, fn)).doc;
  }

  subscribe<T>(docId: string, listener: (doc: Doc<T>) => void): () => void {
    const set = this.#listeners.get(docId) ?? new Set();
    set.add(listener as (doc: Doc<unknown>) => void);
    this.#listeners.set(docId, set);
    return () => set.delete(listener as (doc: Doc<unknown>) => void);
  }

  /** NOTIFY from any replica (this one too): pull chunks we have not seen; `*` re-checks every loaded document. */
  async changedElsewhere(docId: string): Promise<void> {
    const ids = docId === '*' ? [...this.#docs.keys()] : this.#docs.has(docId) ? [docId] : [];
    for (const id of ids) {
      await this.#serial(id, async (e) => {
        let moved = false;
        for (const c of await this.repo.chunks(id, e.lastSeq)) {
          moved = e.replica.merge(c.data) || moved;
          e.lastSeq = c.seq;
          e.chunksSinceSnapshot++;
        }
        if (moved) this.#announce(id, e);
      });
    }
  }

  /** Closes the document to `peer` for this connection (see the class comment) and forgets its sync state for it. */
  #refuse(peer: string, e: Entry, err: DocContentError): void {
    this.log.warn(
      { peer, docId: e.replica.docId, problems: err.issues },
      'refused changes to a document that would make it invalid',
    );
    const refused = this.#refused.get(peer) ?? new Map<string, string>();
    if (refused.size >= MAX_REFUSED_PER_PEER) refused.delete(refused.keys().next().value!);
    refused.set(e.replica.docId, err.message);
    this.#refused.set(peer, refused);
    e.replica.dropPeer(peer);
  }

  async #persist(docId: string, e: Entry, from?: string): Promise<void> {
    const chunk = e.replica.takeIncremental();
    if (chunk.length) {
      e.lastSeq = Math.max(e.lastSeq, await this.repo.append(docId, chunk));
      if (++e.chunksSinceSnapshot >= COMPACT_AFTER_CHUNKS) {
        await this.repo.compact(docId, e.replica.snapshot(), e.lastSeq);
        e.chunksSinceSnapshot = 0;
      }
    }
    this.#announce(docId, e, from);
  }

  #announce(docId: string, e: Entry, except?: string): void {
    for (const l of this.#listeners.get(docId) ?? []) {
      try {
        l(e.replica.doc);
      } catch (err) {
        this.log.error({ err, docId }, 'a document listener failed');
      }
    }
    for (const peer of e.replica.peers()) if (peer !== except) this.#flushTo(e, peer);
  }

  #flushTo(e: Entry, peer: string): void {
    const send = this.#peers.get(peer);
    if (!send) {
      e.replica.dropPeer(peer);
      return;
    }
    for (let i = 0; i < 8; i++) {
      const message = e.replica.generate(peer);
      if (!message) return;
      if (!send(e.replica.docId, toBase64(message))) {
        this.peerGone(peer);
        return;
      }
    }
  }

  get cachedDocuments(): number {
    return this.#docs.size;
  }

  #evictIdle(): void {
    for (const [id, e] of this.#docs) {
      if (this.#docs.size <= this.maxCached * 0.9) return;
      if (e.replica.peers().length === 0 && !this.#listeners.get(id)?.size) {
        // Drop only once its queue is idle, so no pending work is lost.
        const queue = e.queue;
        void queue.then(() => {
          if (this.#docs.get(id)?.queue === queue && e.replica.peers().length === 0) this.#docs.delete(id);
        });
      }
    }
  }

  #serial<T>(docId: string, fn: (e: Entry) => Promise<T>): Promise<T> {
    let e = this.#docs.get(docId);
    if (!e) {
      if (this.#docs.size >= this.maxCached) this.#evictIdle();
      const genesis = this.access.genesis(docId);
      const entry: Entry = {
        replica: DocReplica.fromChunks(docId, [], genesis),
        lastSeq: 0,
        chunksSinceSnapshot: 0,
        queue: Promise.resolve(),
      };
      entry.queue = this.repo.chunks(docId).then((chunks) => {
        entry.replica = DocReplica.fromChunks(
          docId,
          chunks.map((c) => c.data),
          genesis,
        );
        entry.lastSeq = chunks.at(-1)?.seq ?? 0;
        entry.chunksSinceSnapshot = chunks.length;
      });
      this.#docs.set(docId, entry);
      e = entry;
    }
    const run = e.queue.then(() => fn(e));
    e.queue = run.catch(() => undefined);
    return run;
  }
}
