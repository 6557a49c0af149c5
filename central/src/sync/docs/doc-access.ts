import { findBadText, ForbiddenError, ValidationError, type FieldIssue } from '@storefleet/shared';
import { docNamespace, type DocContentCheck } from '@storefleet/sync';
import type { Principal } from '../../http/principal.js';

export type DocRight = 'write' | 'read' | 'none';

/** Decides what a caller may do with a document of one namespace (`cart:…`, `tasks:…`). */
export type DocAccessRule = (principal: Principal, key: string) => DocRight;

/**
 * What a namespace's documents may hold: everything wrong with `doc` (a dotted path and what), empty when it is
 * valid. Pure and quick: it runs on every change to a document, from a peer or through the API, before it is kept.
 */
export type DocContentRule = (doc: unknown) => readonly FieldIssue[];

/** A namespace as a module declares it: who may do what, and (optionally) what its documents may hold. */
export interface DocNamespaceRules {
  readonly access: DocAccessRule;
  readonly validate?: DocContentRule;
}

/** Told of every access `check` grants in one namespace (see `DocAccess.onGranted`); `used` is the access checked. */
export type DocGrantListener = (principal: Principal, key: string, used: 'read' | 'write') => void;

/**
 * Who may read or write which document, and what it may hold. Modules declare rules per namespace; a namespace nobody
 * declared is closed to everyone, so a new kind of document is private until its module says otherwise. Every
 * document is refused text no database can keep (U+0000, lone surrogates); a namespace may add its own content rule.
 */
export class DocAccess {
  readonly #rules = new Map<string, DocAccessRule>();
  readonly #content = new Map<string, DocContentRule>();
  readonly #granted = new Map<string, Set<DocGrantListener>>();

  register(namespace: string, rule: DocAccessRule | DocNamespaceRules): void {
    if (this.#rules.has(namespace)) throw new Error(`document namespace ${namespace} is declared twice`);
    if (typeof rule === 'function') this.#rules.set(namespace, rule);
    else {
      this.#rules.set(namespace, rule.access);
      if (rule.validate) this.#content.set(namespace, rule.validate);
    }
  }

  /** Everything wrong with `doc` as a document `docId`: bad text anywhere, then its namespace's content rule. */
  problems(docId: string, doc: unknown): FieldIssue[] {
    const text = findBadText(doc);
    const problems: FieldIssue[] = text ? [{ path: text.path, message: text.problem }] : [];
    const rule = this.#content.get(docNamespace(docId) ?? '');
    for (const p of rule?.(doc) ?? []) if (!problems.some((q) => q.path === p.path && q.message === p.message)) problems.push(p);
    return problems;
  }

  /**
   * The check changes to `docId` must pass: the document they produce may have no problem that it did not have
   * before, so a document stored before a rule existed can still be repaired, but never made worse.
   */
  contentCheck(docId: string): DocContentCheck {
    return (after, before) => {
      const found = this.problems(docId, after);
      if (!found.length) return found;
      const had = new Set(this.problems(docId, before).map((p) => `${p.path}\u0000${p.message}`));
      return found.filter((p) => !had.has(`${p.path}\u0000${p.message}`));
    };
  }

  right(principal: Principal, docId: string): DocRight {
    const ns = docNamespace(docId);
    if (!ns) throw new ValidationError(`not a document id: ${docId} (expected namespace:key)`);
    const rule = this.#rules.get(ns);
    return rule ? rule(principal, docId.slice(ns.length + 1)) : 'none';
  }

  /** Throws ForbiddenError unless `principal` has at least `needed` on the document. */
  check(principal: Principal, docId: string, needed: 'read' | 'write'): DocRight {
    const right = this.right(principal, docId);
    if (right === 'none' || (needed === 'write' && right === 'read')) throw new ForbiddenError(`no ${needed} access to document ${docId}`);
    const ns = docNamespace(docId)!;
    for (const listener of this.#granted.get(ns) ?? []) listener(principal, docId.slice(ns.length + 1), needed);
    return right;
  }

  /**
   * Calls `listener` each time `check` grants a document of `namespace`, from a peer's sync frame or through the API
   * (a module records who changed what: the store working on a customer's cart). `used` is 'write' for a change
   * through the API and for a peer's sync frame that carried changes, 'read' otherwise. It runs inside the check, so it must
   * neither throw nor wait: async work is its own to start and to log. Returns the function that removes it.
   */
  onGranted(namespace: string, listener: DocGrantListener): () => void {
    const set = this.#granted.get(namespace) ?? new Set();
    set.add(listener);
    this.#granted.set(namespace, set);
    return () => set.delete(listener);
  }
}
