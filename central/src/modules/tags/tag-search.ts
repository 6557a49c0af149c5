import {
  AppError,
  formatTagQueryError,
  isTagQueryOperatorWord,
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
}

export interface SearchDeps {
  readonly index: TagIndex;
  readonly repo: TagsRepository;
  readonly names: (skus: readonly string[]) => Promise<Map<string, string>>;
  readonly onSearched: (tagIds: readonly number[]) => void;
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
 * caller sees its own writes) → match → results in product-number order from `after` (read from the bitmap by rank,
 * never the whole result as numbers) → skus and names → facet counts (results ∧ each facet tag's closure).
 */
export async function searchTags(deps: SearchDeps, input: SearchInput): Promise<TagSearchPage> {
  const { index, repo } = deps;
  const parsed = parseTagQuery(input.q);
  if (!parsed.ok) {
    const { message, position, length } = parsed.error;
    throw new UnprocessableError(message, { position, length, caret: formatTagQueryError(input.q, parsed.error) });
  }
  if (!index.ready()) throw unavailable(index);
  try {
    await index.caughtUp(await repo.version());
  } catch (err) {
    if (err instanceof TagIndexNotReadyError) throw unavailable(index);
    throw err;
  }
  const named = namedTags(index, input.q, parsed.ast);
  let facetTags: Tag[];
  if (input.facets !== undefined) {
    const f = index.tagByPath(input.facets);
    if (!f) throw new UnprocessableError(`there is no tag at the path ${input.facets} to count facets under`);
    facetTags = index.tags().filter((t) => t.parentId === f.id);
  } else facetTags = index.tags().filter((t) => t.parentId === null);

  const results = index.match(parsed.ast);
  const total = results.size;
  const offset = input.after === undefined ? 0 : results.rank(input.after);
  const numbers = Array.from(results.rangeUint32Array(new Uint32Array(input.limit + 1), offset, input.limit + 1));
  const page = numbers.slice(0, input.limit);
  const skus = await repo.skusOf(page);
  const names = await deps.names(skus);
  deps.onSearched(named);
  return {
    query: tagQueryToText(parsed.ast),
    total,
    items: skus.map((sku) => ({ sku, name: names.get(sku) ?? null })),
    next: numbers.length > input.limit ? String(page[page.length - 1]) : null,
    facets: facetTags.map((t) => ({
      tagId: t.id,
      slug: t.slug,
      name: t.name,
      path: t.path,
      count: results.andCardinality(index.closure(t.id)),
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
  for (const term of termsOf(ast)) {
    const t = term.kind === 'tag' ? index.tagBySlug(term.slug) : index.tagByPath(term.path.join('.'));
    if (t) {
      ids.push(t.id);
      continue;
    }
    const what = term.kind === 'tag' ? `tag "${term.slug}"` : `tag at the path ${term.path.join('.')}`;
    const at = locate(text, term) ?? { position: 0, length: text.length };
    const error = { message: `there is no ${what}`, ...at };
    throw new UnprocessableError(`${error.message} at ${at.position}`, {
      ...at,
      caret: formatTagQueryError(text, error),
    });
  }
  return [...new Set(ids)];
}

type Term = { kind: 'tag'; slug: string } | { kind: 'path'; path: readonly string[] };

function termsOf(q: TagQuery): Term[] {
  if (q.kind === 'tag' || q.kind === 'path') return [q];
  if (q.kind === 'not') return termsOf(q.of);
  return q.of.flatMap(termsOf);
}

/** Where a term is written in the text (the lexer's word boundaries: spaces, parentheses, & | ! and a leading -). */
function locate(text: string, term: Term): { position: number; length: number } | undefined {
  let i = 0;
  while (i < text.length) {
    if (/[\s()&|!-]/.test(text[i]!)) {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && !/[\s()&|!]/.test(text[i]!)) i++;
    const word = text.slice(start, i);
    if (isTagQueryOperatorWord(word)) continue;
    const colon = word.indexOf(':');
    const prefix = colon < 0 ? 'tag' : word.slice(0, colon).toLowerCase();
    const rest = colon < 0 ? word : word.slice(colon + 1);
    const matches =
      term.kind === 'tag' ? prefix === 'tag' && rest === term.slug : prefix === 'path' && rest === term.path.join('.');
    if (matches) return { position: start, length: word.length };
  }
  return undefined;
}
