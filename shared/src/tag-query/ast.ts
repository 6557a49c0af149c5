/**
 * The tag query's syntax tree (issue #20), what `parseTagQuery` returns and `evaluate` walks.
 *
 * Invariants of a tree that `parseTagQuery` or `normalise` returns:
 *  - `and` and `or` have at least two children, none of the same kind as the parent (flattened: `a AND (b AND c)` is
 *    one `and` of three), and no two identical children (`a OR a` is `a`);
 *  - a `not` never holds a `not` (`NOT NOT a` is `a`);
 *  - children keep the order they were written in (first occurrence wins), so `toText` reads like the query typed.
 * `toText` prints such a tree as a canonical query that parses back to the same tree.
 */

/** A tag by its slug: the products tagged with it or with any of its descendants (see evaluate.ts for why). */
export type TagTerm = { readonly kind: 'tag'; readonly slug: string };
/** A subtree by its path from the root: the products tagged with that tag or with any tag below it. */
export type PathTerm = { readonly kind: 'path'; readonly path: readonly string[] };
export type NotNode = { readonly kind: 'not'; readonly of: TagQuery };
export type AndNode = { readonly kind: 'and'; readonly of: readonly TagQuery[] };
export type OrNode = { readonly kind: 'or'; readonly of: readonly TagQuery[] };

export type TagQuery = TagTerm | PathTerm | NotNode | AndNode | OrNode;

/** The limits every query is held to; past them the parser answers a readable error, never a stack overflow. */
export const TAG_QUERY_LIMITS = {
  /** Characters in the query text. */
  maxLength: 2_000,
  /** `tag:`/`path:`/bare-word terms in one query. */
  maxTerms: 100,
  /** Parentheses open at once. */
  maxDepth: 32,
  /** Characters in one slug. */
  maxSlugLength: 64,
  /** Levels in one path (`a.b.c` has three). */
  maxPathLevels: 16,
} as const;

/** A slug: lowercase letters, digits, `-` and `_`, 1–64 characters (also what tag creation should accept). */
export const TAG_SLUG_PATTERN = /^[a-z0-9_-]{1,64}$/;

/** Words the parser reads as operators when written bare (any case); a tag with one of these slugs is written `tag:or`. */
const OPERATOR_WORDS = new Set(['and', 'or', 'not']);

/** True when `word` (any case) is an operator word rather than a tag. */
export function isOperatorWord(word: string): boolean {
  return OPERATOR_WORDS.has(word.toLowerCase());
}

/** A key equal for equal trees; used to dedupe children. */
export function queryKey(q: TagQuery): string {
  return JSON.stringify(q);
}

/**
 * The canonical form: nested `and`/`or` of the same kind flattened, identical children dropped (first kept), a
 * single remaining child lifted, double negation removed. Pure; returns a new tree. An `and`/`or` with no children
 * stays empty (only hand-built trees have one; `evaluate` reads it as all products / none).
 */
export function normalise(q: TagQuery): TagQuery {
  switch (q.kind) {
    case 'tag':
      return { kind: 'tag', slug: q.slug };
    case 'path':
      return { kind: 'path', path: [...q.path] };
    case 'not': {
      const inner = normalise(q.of);
      return inner.kind === 'not' ? inner.of : { kind: 'not', of: inner };
    }
    case 'and':
    case 'or': {
      const seen = new Set<string>();
      const of: TagQuery[] = [];
      const add = (child: TagQuery): void => {
        if (child.kind === q.kind) {
          for (const grandchild of child.of) add(grandchild);
          return;
        }
        const key = queryKey(child);
        if (seen.has(key)) return;
        seen.add(key);
        of.push(child);
      };
      for (const child of q.of) add(normalise(child));
      if (of.length === 1) return of[0]!;
      return { kind: q.kind, of };
    }
  }
}

/**
 * A canonical query text for `q`: upper-case `AND`/`OR`/`NOT`, explicit `AND`, parentheses only where precedence
 * needs them (NOT > AND > OR), a tag bare unless its slug is an operator word or starts with `-` (then `tag:`).
 * `parseTagQuery(toText(q))` gives back `normalise(q)`. Throws a RangeError for an empty `and`/`or`, which has no text.
 */
export function toText(q: TagQuery): string {
  switch (q.kind) {
    case 'tag':
      return isOperatorWord(q.slug) || q.slug.startsWith('-') ? `tag:${q.slug}` : q.slug;
    case 'path':
      return `path:${q.path.join('.')}`;
    case 'not':
      return `NOT ${q.of.kind === 'and' || q.of.kind === 'or' ? `(${toText(q.of)})` : toText(q.of)}`;
    case 'and':
    case 'or': {
      if (q.of.length === 0) throw new RangeError(`an empty ${q.kind.toUpperCase()} has no query text`);
      const parts = q.of.map((child) =>
        // Inside AND an OR needs parentheses; a nested node of the same kind keeps them so the tree reads back.
        child.kind === 'or' || child.kind === q.kind ? `(${toText(child)})` : toText(child),
      );
      return parts.join(q.kind === 'and' ? ' AND ' : ' OR ');
    }
  }
}
