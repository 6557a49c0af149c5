import { ForbiddenError, ValidationError } from '@storefleet/shared';
import { docNamespace } from '@storefleet/sync';
import type { Principal } from '../../http/principal.js';

export type DocRight = 'write' | 'read' | 'none';

/** Decides what a caller may do with a document of one namespace (`cart:…`, `tasks:…`). */
export type DocAccessRule = (principal: Principal, key: string) => DocRight;

/**
 * Who may read or write which document. Modules declare rules per namespace; a namespace nobody declared is closed
 * to everyone, so a new kind of document is private until its module says otherwise.
 */
export class DocAccess {
  readonly #rules = new Map<string, DocAccessRule>();

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
    return right;
  }
}
