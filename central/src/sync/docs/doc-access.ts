import { findBadText, ForbiddenError, ValidationError, type FieldIssue } from '@storefleet/shared';
import { docNamespace, newProblemsCheck, type DocContentCheck } from '@storefleet/sync';
import type { Caller } from '../../kernel/principal.js';

export type DocRight = 'write' | 'read' | 'none';

const DEFAULT_REFUSAL = 'not readable by this caller now';

/** Decides what a caller may do with a document of one namespace (`cart:…`, `tasks:…`). */
export type DocAccessRule = (principal: Caller, key: string) => DocRight;

/**
 * What a namespace's documents may hold: everything wrong with `doc` (a dotted path and what), empty when it is
 * valid. Pure and quick: it runs on every change to a document, from a peer or through the API, before it is kept.
 */
export type DocContentRule = (doc: unknown) => readonly FieldIssue[];

/**
 * Whether a caller with read access may be sent the document's content now (`doc`: the hub's copy). Asked for every
 * sync frame from a peer; a caller it refuses may still write, and a write may change its answer (a store that changed
 * a customer's cart is linked to the customer). May look things up; a throw refuses the frame.
 */
export type DocReadGate = (principal: Caller, key: string, doc: unknown) => boolean | Promise<boolean>;

/** A namespace as a module declares it: who may do what, and (optionally) what its documents may hold. */
export interface DocNamespaceRules {
  readonly access: DocAccessRule;
  readonly validate?: DocContentRule;
  /** Who of those with read access may see the content now (see DocReadGate); a module may set it at start (`gateReads`). */
  readonly mayRead?: DocReadGate;
  /** What a peer the gate refuses is told (once per connection), e.g. how it may come to read. */
  readonly readRefusal?: string;
  /** The namespace's fixed first change (see DocReplica.fromChunks): every replica of every document starts from it. */
  readonly genesis?: Uint8Array;
}

/** Told of every access `check` grants in one namespace (see `DocAccess.onGranted`); `used` is the access checked. */
export type DocGrantListener = (principal: Caller, key: string, used: 'read' | 'write') => void;

/**
 * Who may read or write which document, and what it may hold. Modules declare rules per namespace; a namespace nobody
 * declared is closed to everyone, so a new kind of document is private until its module says otherwise. Every
 * document is refused text no database can keep (U+0000, lone surrogates); a namespace may add its own content rule.
 */
export class DocAccess {
  readonly #rules = new Map<string, DocAccessRule>();
  readonly #content = new Map<string, DocContentRule>();
  readonly #granted = new Map<string, Set<DocGrantListener>>();
  readonly #gates = new Map<string, { gate: DocReadGate; refusal: string }>();
  readonly #genesis = new Map<string, Uint8Array>();

  register(namespace: string, rule: DocAccessRule | DocNamespaceRules): void {
    if (this.#rules.has(namespace)) throw new Error(`document namespace ${namespace} is declared twice`);
    if (typeof rule === 'function') this.#rules.set(namespace, rule);
    else {
      this.#rules.set(namespace, rule.access);
      if (rule.validate) this.#content.set(namespace, rule.validate);
      if (rule.mayRead)
        this.#gates.set(namespace, { gate: rule.mayRead, refusal: rule.readRefusal ?? DEFAULT_REFUSAL });
      if (rule.genesis) this.#genesis.set(namespace, rule.genesis);
    }
  }

  /**
   * Sets the read gate of a declared namespace and what a refused peer is told (a module whose gate needs its running
   * services sets it in `start`). Returns the function that removes it.
   */
  gateReads(namespace: string, gate: DocReadGate, refusal = DEFAULT_REFUSAL): () => void {
    if (!this.#rules.has(namespace)) throw new Error(`document namespace ${namespace} is not declared`);
    const entry = { gate, refusal };
    this.#gates.set(namespace, entry);
    return () => this.#gates.get(namespace) === entry && this.#gates.delete(namespace);
  }

  /** Whether `principal` (who has read access) may be sent the content of `docId` as it is (`doc`); true with no gate. */
  async mayRead(principal: Caller, docId: string, doc: unknown): Promise<boolean> {
    const ns = docNamespace(docId);
    const entry = ns ? this.#gates.get(ns) : undefined;
    return entry ? entry.gate(principal, docId.slice(ns!.length + 1), doc) : true;
  }

  /** What a peer refused a read of `docId` is told. */
  readRefusal(docId: string): string {
    return this.#gates.get(docNamespace(docId) ?? '')?.refusal ?? DEFAULT_REFUSAL;
  }

  /** The fixed first change of `docId`'s namespace, if it declares one. */
  genesis(docId: string): Uint8Array | undefined {
    return this.#genesis.get(docNamespace(docId) ?? '');
  }

  /** Everything wrong with `doc` as a document `docId`: bad text anywhere, then its namespace's content rule. */
  problems(docId: string, doc: unknown): FieldIssue[] {
    const text = findBadText(doc);
    const problems: FieldIssue[] = text ? [{ path: text.path, message: text.problem }] : [];
    const rule = this.#content.get(docNamespace(docId) ?? '');
    for (const p of rule?.(doc) ?? [])
      if (!problems.some((q) => q.path === p.path && q.message === p.message)) problems.push(p);
    return problems;
  }

  /**
   * The check changes to `docId` must pass: the document they produce may have no problem that it did not have
   * before, so a document stored before a rule existed can still be repaired, but never made worse.
   */
  contentCheck(docId: string): DocContentCheck {
    return newProblemsCheck((doc) => this.problems(docId, doc));
  }

  right(principal: Caller, docId: string): DocRight {
    const ns = docNamespace(docId);
    if (!ns) throw new ValidationError(`not a document id: ${docId} (expected namespace:key)`);
    const rule = this.#rules.get(ns);
    return rule ? rule(principal, docId.slice(ns.length + 1)) : 'none';
  }

  /** Throws ForbiddenError unless `principal` has at least `needed` on the document; tells no listener. */
  check(principal: Caller, docId: string, needed: 'read' | 'write'): DocRight {
    const right = this.right(principal, docId);
    if (right === 'none' || (needed === 'write' && right === 'read'))
      throw new ForbiddenError(`no ${needed} access to document ${docId}`);
    return right;
  }

  /** Tells the namespace's listeners (see `onGranted`) that `principal` used `used` on `docId`. */
  used(principal: Caller, docId: string, used: 'read' | 'write'): void {
    const ns = docNamespace(docId)!;
    for (const listener of this.#granted.get(ns) ?? []) listener(principal, docId.slice(ns.length + 1), used);
  }

  /**
   * Calls `listener` each time a document of `namespace` is used, from a peer's sync frame or through the API (a
   * module records who changed what: the store working on a customer's cart). `used` is 'write' only once changes
   * were kept — a change through the API or a peer's sync frame that moved the document, never one that changed
   * nothing or was refused — and 'read' for a read. It runs inside HubDocs' work on the document, so it must neither
   * throw nor wait: async work is its own to start and to log. Returns the function that removes it.
   */
  onGranted(namespace: string, listener: DocGrantListener): () => void {
    const set = this.#granted.get(namespace) ?? new Set();
    set.add(listener);
    this.#granted.set(namespace, set);
    return () => set.delete(listener);
  }
}
