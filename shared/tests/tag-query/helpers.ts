import type { TagQuery } from '../../src/tag-query/ast.js';
import { parseTagQuery } from '../../src/tag-query/parser.js';

/** Small builders so expected trees read like the queries they stand for. */
export const tag = (slug: string): TagQuery => ({ kind: 'tag', slug });
export const path = (dotted: string): TagQuery => ({ kind: 'path', path: dotted.split('.') });
export const not = (of: TagQuery): TagQuery => ({ kind: 'not', of });
export const and = (...of: TagQuery[]): TagQuery => ({ kind: 'and', of });
export const or = (...of: TagQuery[]): TagQuery => ({ kind: 'or', of });

/** The tree of a query that must parse; fails the test with the parser's message otherwise. */
export function ast(text: string): TagQuery {
  const r = parseTagQuery(text);
  if (!r.ok) throw new Error(`"${text}" did not parse: ${r.error.message} at ${r.error.position}`);
  return r.ast;
}
