import {
  AppError,
  formatTagQueryError,
  isTagQueryOperatorWord,
  locateTerms,
  parseTagQuery,
  tagQueryToText,
  UnprocessableError,
  type TagQuery,
} from '@storefleet/shared';
import { TagIndexNotReadyError, type TagIndex } from './index/tag-index.js';
import type { TagsRepository } from './repository.js';
import type { Tag, TagSearchPage } from './types.js';

export interface SearchInput {
  readonly q: string;
  /** The previous page's `next` (the last product number it showed). */
  readonly after?: number;
  readonly limit: number;
  /** A tag path whose children get counts; the root tags when left out. */
  readonly facets?: string;
  /** Who searches (`user:<id>`, `store:<id>`): the analytics count a caller's search of a tag once a day. */
  readonly caller?: string;
}

export interface SearchDeps {
  readonly index: TagIndex;
  readonly repo: TagsRepository;
  readonly names: (skus: readonly string[]) => Promise<Map<string, string>>;
  /** A search's first page (a next page is the same search, not another): the tags it named, and who asked. */
  readonly onSearched: (tagIds: readonly number[], caller: string | undefined) => void;
}

/** Seconds a caller is told to wait while the index rebuilds. */
export const SEARCH_RETRY_AFTER_S = 5;

/** The index is rebuilding (or failed): a 503 with Retry-After (the route sets the header). */
export class SearchUnavailableError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('unavailable', message, { retryAfterSeconds });
  }
}

/**
 * A tag query's page: parse (422 with position, length and a caret line) → every slug and path a live tag (else a
 * 422 naming the first unknown one where it is written) → the index caught up to Postgres's version now (so a
 * caller sees its own writes) → TagIndex.answer: the total, results in product-number order from `after` (read from
 * the bitmap by rank, never the whole result as numbers) and facet counts (results ∧ each facet tag's closure), the
 * match freed at once → skus and names.
 */
export async function searchTags(deps: SearchDeps, input: SearchInput): Promise<TagSearchPage> {
  const { index, repo } = deps;
  const parsed = parseTagQuery(input.q);
  if (!parsed.ok) {
    const { message, position, length } = parsed.error;
    throw new UnprocessableError(message, { position, length, caret: formatTagQueryError(input.q, parsed.error) });
  }
  const past = complementPast(input.q, parsed.ast);
  if (past) {
    const error = {
      message: `this NOT is the query's ${MAX_COMPLEMENTS + 1}th complement (every product without …); a query may take at most ${MAX_COMPLEMENTS}: put NOTs beside a positive term in an AND (a AND NOT b AND NOT c), or join them in one (NOT (b OR c))`,
      ...past,
    };
    throw new UnprocessableError(`${error.message} (at ${past.position})`, {
      position: past.position,
      length: past.length,
      complements: past.complements,
      limit: MAX_COMPLEMENTS,
      caret: formatTagQueryError(input.q, error),
    });
  }
  if (!index.ready()) throw unavailable(index);
  try {
    await index.caughtUp(await repo.version());
  } catch (err) {
    if (err instanceof TagIndexNotReadyError) throw unavailable(index);
    throw err;
  }
  const named = namedTags(index, input.q, parsed.ast);
  let facetTags: readonly Tag[];
  if (input.facets !== undefined) {
    const f = index.tagByPath(input.facets);
    if (!f) throw new UnprocessableError(`there is no tag at the path ${input.facets} to count facets under`);
    facetTags = childrenOf(index, f.id);
  } else facetTags = childrenOf(index, null);

  // total, the page after the cursor and the facet counts in one synchronous step, the match freed before it returns
  // (a result bitmap left to the garbage collector costs a full collection every few queries at 5M products)
  const answer = index.answer(parsed.ast, {
    after: input.after,
    limit: input.limit + 1,
    facetIds: facetTags.map((t) => t.id),
  });
  const { total, productNos: numbers } = answer;
  const page = numbers.slice(0, input.limit);
  const skus = await repo.skusOf(page);
  const names = await deps.names(skus);
  if (input.after === undefined) deps.onSearched(named, input.caller);
  return {
    query: tagQueryToText(parsed.ast),
    total,
    items: skus.map((sku) => ({ sku, name: names.get(sku) ?? null })),
    next: numbers.length > input.limit ? String(page[page.length - 1]) : null,
    facets: facetTags.map((t, i) => ({
      tagId: t.id,
      slug: t.slug,
      name: t.name,
      path: t.path,
      count: answer.counts[i]!,
    })),
    indexVersion: index.version(),
  };
}

export function unavailable(index: TagIndex): SearchUnavailableError {
  return new SearchUnavailableError(new TagIndexNotReadyError(index.status()).message, SEARCH_RETRY_AFTER_S);
}

/** The ids of the tags the query names; a 422 at the first unknown one, with where it is written. */
export function namedTags(index: TagIndex, text: string, ast: TagQuery): number[] {
  const ids: number[] = [];
  for (const { term, position, length } of locateTerms(text, ast)) {
    const t = term.kind === 'tag' ? index.tagBySlug(term.slug) : index.tagByPath(term.path.join('.'));
    if (t) {
      ids.push(t.id);
      continue;
    }
    const what = term.kind === 'tag' ? `tag "${term.slug}"` : `tag at the path ${term.path.join('.')}`;
    const at = position < 0 ? { position: 0, length: text.length } : { position, length };
    const error = { message: `there is no ${what}`, ...at };
    throw new UnprocessableError(`${error.message} at ${at.position}`, {
      ...at,
      caret: formatTagQueryError(text, error),
    });
  }
  return [...new Set(ids)];
}

/** Each index's tags by parent id (null: the roots), in path order, made once per index version (not per search). */
const childrenByIndex = new WeakMap<TagIndex, { version: number; byParent: Map<number | null, Tag[]> }>();
function childrenOf(index: TagIndex, parentId: number | null): readonly Tag[] {
  let c = childrenByIndex.get(index);
  if (!c || c.version !== index.version()) {
    const byParent = new Map<number | null, Tag[]>();
    const version = index.version();
    for (const t of index.tags()) {
      const list = byParent.get(t.parentId);
      if (list) list.push(t);
      else byParent.set(t.parentId, [t]);
    }
    c = { version, byParent };
    childrenByIndex.set(index, c);
  }
  return c.byParent.get(parentId) ?? [];
}

/**
 * Complements a query may take (every product without …, as big as the catalog: tens of ms each at 5M products).
 * A NOT beside a positive term in an AND is no complement (a AND NOT b AND NOT c subtracts from a); a NOT on its own,
 * an AND of NOTs only, and an OR with a NOT among its children each take one, as the index evaluates them.
 */
export const MAX_COMPLEMENTS = 8;

/**
 * Where the query's first complement past MAX_COMPLEMENTS is written (its NOT: position and length in `text`), with
 * how many the query takes; undefined when within the limit.
 */
export function complementPast(
  text: string,
  ast: TagQuery,
): { position: number; length: number; complements: number } | undefined {
  // the NOT node standing for each complement, in the order written
  const firsts: TagQuery[] = [];
  const walk = (q: TagQuery, asChild: boolean): void => {
    if (q.kind === 'tag' || q.kind === 'path') return;
    if (q.kind === 'not') {
      if (!asChild) firsts.push(q);
      walk(q.of, false);
      return;
    }
    const negated = q.of.filter((c) => c.kind === 'not');
    const complement = q.kind === 'and' ? negated.length === q.of.length : negated.length > 0;
    if (complement && negated.length) firsts.push(negated[0]!);
    for (const c of q.of) walk(c, true);
  };
  walk(ast, false);
  if (firsts.length <= MAX_COMPLEMENTS) return undefined;
  const offender = firsts[MAX_COMPLEMENTS]!;
  // the terms of the tree in pre-order are the term words of the text in order (the parser drops none)
  let termNo = 0;
  let found = -1;
  const count = (q: TagQuery): boolean => {
    if (q === offender) found = termNo;
    if (q.kind === 'tag' || q.kind === 'path') termNo++;
    else if (q.kind === 'not') count(q.of);
    else for (const c of q.of) count(c);
    return found >= 0;
  };
  count(ast);
  const words = wordsOf(text);
  const terms = words.filter((w) => w.kind === 'term');
  const at = terms[found]?.position ?? 0;
  const not = words.filter((w) => w.kind === 'not' && w.position < at).at(-1);
  return {
    position: not?.position ?? at,
    length: not?.length ?? 1,
    complements: firsts.length,
  };
}

/** The query's words as the lexer reads them: terms, NOTs (`NOT`, `!`, a leading `-`) and other operators. */
function wordsOf(text: string): { kind: 'term' | 'not' | 'op'; position: number; length: number }[] {
  const out: { kind: 'term' | 'not' | 'op'; position: number; length: number }[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '!' || ch === '-') {
      out.push({ kind: 'not', position: i, length: 1 });
      i++;
      continue;
    }
    if (/[\s()&|]/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && !/[\s()&|!]/.test(text[i]!)) i++;
    const word = text.slice(start, i);
    const kind = !isTagQueryOperatorWord(word) ? 'term' : word.toLowerCase() === 'not' ? 'not' : 'op';
    out.push({ kind, position: start, length: word.length });
  }
  return out;
}
