import * as A from '@automerge/automerge';
import { ForbiddenError, ValidationError, type FieldIssue } from '@storefleet/shared';

/**
 * What is wrong with a document a peer's changes would produce (empty: nothing, the changes are kept). Gets the
 * document as it would be and as it is, so a check may tolerate what was already there.
 */
export type DocContentCheck = (after: A.Doc<unknown>, before: A.Doc<unknown>) => readonly FieldIssue[];

/**
 * A check that refuses only what a change adds: the problems `rule` finds in the document after it and not before, so
 * a document stored before a rule existed can still be repaired, but never made worse.
 */
export function newProblemsCheck(rule: (doc: unknown) => readonly FieldIssue[]): DocContentCheck {
  return (after, before) => {
    const found = rule(after);
    if (!found.length) return found;
    const had = new Set(rule(before).map((p) => `${p.path}\u0000${p.message}`));
    return found.filter((p) => !had.has(`${p.path}\u0000${p.message}`));
  };
}

/** Thrown when changes are refused for their content; nothing of them was applied. */
export class DocContentError extends ValidationError {
  constructor(
    readonly docId: string,
    issues: readonly FieldIssue[],
  ) {
    const listed = issues
      .slice(0, 5)
      .map((i) => `${i.path}: ${i.message}`)
      .join('; ');
    super(
      `changes to ${docId} refused: ${listed}${issues.length > 5 ? `; +${issues.length - 5} more` : ''}`,
      issues.slice(0, 20),
    );
  }
}

/**
 * One Automerge document and the sync state it keeps with each peer it talks to (the store: the hub; the hub: each
 * connected store and browser). Automerge's sync protocol does the rest: a peer that reconnects starts from a fresh
 * state and the two exchange only what the other lacks.
 */
export class DocReplica<T = unknown> {
  #doc: A.Doc<T>;
  readonly #peers = new Map<string, A.SyncState>();

  private constructor(
    readonly docId: string,
    doc: A.Doc<T>,
  ) {
    this.#doc = doc;
  }

  /**
   * From stored chunks (a snapshot and/or incremental saves, in order); none → an empty document. `genesis` is the
   * namespace's fixed first change, if it has one (the same bytes on every replica, so all share its objects); it is
   * never stored, since every load adds it again.
   */
  static fromChunks<T>(docId: string, chunks: readonly Uint8Array[], genesis?: Uint8Array): DocReplica<T> {
    let doc = genesis ? A.load<T>(genesis) : A.init<T>();
    for (const c of chunks) doc = A.loadIncremental(doc, c);
    A.saveIncremental(doc); // mark everything loaded as saved, so the next incremental save holds only new changes
    return new DocReplica(docId, doc);
  }

  get doc(): A.Doc<T> {
    return this.#doc;
  }

  heads(): string[] {
    return A.getHeads(this.#doc);
  }

  /**
   * Applies a local change; false when `fn` changed nothing. With `check`, the change is made on a copy and kept only
   * if the check finds nothing wrong; otherwise DocContentError is thrown and the document stays as it was.
   */
  change(fn: A.ChangeFn<T>, check?: DocContentCheck): boolean {
    const before = this.heads().join();
    const after = A.change(check ? A.clone(this.#doc) : this.#doc, fn);
    if (A.getHeads(after).join() === before) return false;
    const issues = check?.(after, this.#doc) ?? [];
    if (issues.length) throw new DocContentError(this.docId, issues);
    this.#doc = after;
    return true;
  }

  /**
   * Applies changes a peer brought (as `A.getChanges` gives them); true when the document moved. With `check`, as
   * `change`: applied to a copy, kept only if the check finds nothing wrong, else DocContentError and nothing changes.
   */
  apply(changes: Uint8Array[], check?: DocContentCheck): boolean {
    const before = this.heads().join();
    const [after] = A.applyChanges(check ? A.clone(this.#doc) : this.#doc, changes);
    if (A.getHeads(after).join() === before) return false;
    const issues = check?.(after, this.#doc) ?? [];
    if (issues.length) throw new DocContentError(this.docId, issues);
    this.#doc = after;
    return true;
  }

  /** Applies changes loaded from storage (another replica wrote them); true when the document moved. */
  merge(chunk: Uint8Array): boolean {
    const before = this.heads().join();
    this.#doc = A.loadIncremental(this.#doc, chunk);
    return this.heads().join() !== before;
  }

  /**
   * Takes a sync message from `peer`; true when it brought changes. `readOnly` peers may not bring any. With `check`,
   * a message that carries changes is applied to a copy first: if the check finds anything wrong, DocContentError is
   * thrown, and the document and this peer's sync state stay as they were (as if the message never came).
   */
  receive(peer: string, message: Uint8Array, readOnly = false, check?: DocContentCheck): boolean {
    const before = this.heads().join();
    const copy = check && A.decodeSyncMessage(message).changes.length > 0;
    const [doc, state] = A.receiveSyncMessage(copy ? A.clone(this.#doc) : this.#doc, this.#state(peer), message);
    const changed = A.getHeads(doc).join() !== before;
    if (changed && readOnly) throw new ForbiddenError(`peer ${peer} may only read ${this.docId} but sent changes`);
    if (changed && check) {
      const issues = check(doc, this.#doc);
      if (issues.length) throw new DocContentError(this.docId, issues);
    }
    this.#doc = doc;
    this.#peers.set(peer, state);
    return changed;
  }

  /** The next message for `peer`, or null when it has everything it asked for. */
  generate(peer: string): Uint8Array | null {
    const [state, message] = A.generateSyncMessage(this.#doc, this.#state(peer));
    this.#peers.set(peer, state);
    return message;
  }

  /** True when `peer` is known to hold every change of this document (its last heads match ours). */
  inSyncWith(peer: string): boolean {
    const shared = this.#peers.get(peer)?.sharedHeads;
    if (!shared) return false;
    const ours = this.heads();
    return shared.length === ours.length && ours.every((h) => shared.includes(h));
  }

  /** A peer reconnected: forget what we believed it had. */
  resetPeer(peer: string): void {
    this.#peers.set(peer, A.initSyncState());
  }

  dropPeer(peer: string): void {
    this.#peers.delete(peer);
  }

  peers(): string[] {
    return [...this.#peers.keys()];
  }

  /** Changes since the last save or load, for append-only storage (empty when none). */
  takeIncremental(): Uint8Array {
    return A.saveIncremental(this.#doc);
  }

  /** The whole document, compacted. */
  snapshot(): Uint8Array {
    return A.save(this.#doc);
  }

  #state(peer: string): A.SyncState {
    let s = this.#peers.get(peer);
    if (!s) {
      s = A.initSyncState();
      this.#peers.set(peer, s);
    }
    return s;
  }
}

export const DOC_ID_RE = /^[a-z][a-z0-9-]{0,31}:[A-Za-z0-9._-]{1,128}$/;

/** `cart:0190…` → `cart`; the namespace decides who may read or write. */
export function docNamespace(docId: string): string | undefined {
  return DOC_ID_RE.test(docId) ? docId.slice(0, docId.indexOf(':')) : undefined;
}

export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
export const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));
