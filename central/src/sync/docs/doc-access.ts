import { ForbiddenError, ValidationError } from '@storefleet/shared';
import { docNamespace } from '@storefleet/sync';
import type { Principal } from '../../http/principal.js';

export type DocRight = 'write' | 'read' | 'none';

/** Decides what a caller may do with a document of one namespace (`cart:…`, `tasks:…`). */
export type DocAccessRule = (principal: Principal, key: string) => DocRight;

/** Told of every access `check` grants in one namespace (see `DocAccess.onGranted`); `used` is the access checked. */
export type DocGrantListener = (principal: Principal, key: string, used: 'read' | 'write') => void;

/**
 * Who may read or write which document. Modules declare rules per namespace; a namespace nobody declared is closed
 * to everyone, so a new kind of document is private until its module says otherwise.
 */
export class DocAccess {
  readonly #rules = new Map<string, DocAccessRule>();
  readonly #granted = new Map<string, Set<DocGrantListener>>();

  register(namespace: string, rule: DocAccessRule): void {
    if (this.#rules.has(namespace)) throw new Error(`document namespace ${namespace} is declared twice`);
    this.#rules.set(namespace, rule);
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
