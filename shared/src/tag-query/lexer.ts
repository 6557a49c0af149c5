/**
 * The tag query's lexer: text → tokens, or the first error with its position.
 *
 * Checks, in order: the length (≤ 2,000), control characters (anything below U+0020 but tab, line feed and carriage
 * return; U+007F–U+009F), then tokens left to right. Whitespace separates tokens. `(` `)`; `&`/`&&`, `|`/`||`, `!`;
 * `-` where a token starts is NOT (inside a word it belongs to the slug: `t-shirts`). A word is read up to whitespace
 * or one of `()&|!`; bare `and`/`or`/`not` in any case are operators, `tag:slug` and `path:a.b.c` are terms (prefix in
 * any case), any other word is a slug. Positions are 0-based UTF-16 offsets into the text.
 */
import { isOperatorWord, type PathTerm, TAG_QUERY_LIMITS, type TagTerm } from './ast.js';

/** Where a query went wrong: a sentence for a merchandiser, the 0-based offset and how many characters it covers. */
export type QueryError = { readonly message: string; readonly position: number; readonly length: number };

export type OperatorToken = {
  readonly type: 'and' | 'or' | 'not' | 'lparen' | 'rparen';
  readonly position: number;
  /** As written, for messages ("expected a tag after &"). */
  readonly text: string;
};
export type TermToken = {
  readonly type: 'term';
  readonly position: number;
  readonly text: string;
  readonly term: TagTerm | PathTerm;
};
export type EndToken = { readonly type: 'end'; readonly position: number; readonly text: '' };
export type Token = OperatorToken | TermToken | EndToken;

export type LexResult = { ok: true; tokens: Token[] } | { ok: false; error: QueryError };

class LexError extends Error {
  constructor(readonly error: QueryError) {
    super(error.message);
  }
}

const fail = (message: string, position: number, length: number): never => {
  throw new LexError({ message, position, length });
};

/** Splits `text` into tokens ending with an `end` token, or answers the first error. */
export function lexTagQuery(text: string): LexResult {
  try {
    return { ok: true, tokens: lex(text) };
  } catch (e) {
    if (e instanceof LexError) return { ok: false, error: e.error };
    throw e;
  }
}

function lex(text: string): Token[] {
  const { maxLength, maxTerms } = TAG_QUERY_LIMITS;
  if (text.length > maxLength) {
    fail(
      `the query is ${text.length.toLocaleString('en')} characters long; the most is ${maxLength.toLocaleString('en')}`,
      maxLength,
      text.length - maxLength,
    );
  }
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || (code >= 0x7f && code <= 0x9f)) {
      const name = code === 0 ? 'NUL, ' : '';
      fail(
        `a control character (${name}U+${code.toString(16).toUpperCase().padStart(4, '0')}) cannot be in a query`,
        i,
        1,
      );
    }
  }

  const tokens: Token[] = [];
  let terms = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === '(' || ch === ')') {
      tokens.push({ type: ch === '(' ? 'lparen' : 'rparen', position: i, text: ch });
      i++;
    } else if (ch === '&' || ch === '|') {
      const doubled = text[i + 1] === ch;
      const len = doubled ? 2 : 1;
      tokens.push({ type: ch === '&' ? 'and' : 'or', position: i, text: text.slice(i, i + len) });
      i += len;
    } else if (ch === '!' || ch === '-') {
      tokens.push({ type: 'not', position: i, text: ch });
      i++;
    } else {
      while (i < text.length && !/[\s()&|!]/.test(text[i]!)) i++;
      const word = text.slice(start, i);
      if (isOperatorWord(word)) {
        tokens.push({ type: word.toLowerCase() as 'and' | 'or' | 'not', position: start, text: word });
        continue;
      }
      terms++;
      if (terms > maxTerms)
        fail(`a query may name at most ${maxTerms} tags; this is tag number ${terms}`, start, word.length);
      tokens.push({ type: 'term', position: start, text: word, term: readTerm(word, start) });
    }
  }
  tokens.push({ type: 'end', position: text.length, text: '' });
  return tokens;
}

/** A word that is not an operator: `tag:slug`, `path:a.b`, or a bare slug. */
function readTerm(word: string, at: number): TagTerm | PathTerm {
  const colon = word.indexOf(':');
  if (colon < 0) {
    if (word.includes('.')) {
      const dot = word.indexOf('.');
      fail(`a tag has no dots; to search a subtree write path:${word}`, at + dot, 1);
    }
    return { kind: 'tag', slug: readSlug(word, at, 'tag') };
  }
  const prefix = word.slice(0, colon).toLowerCase();
  const rest = word.slice(colon + 1);
  const restAt = at + colon + 1;
  if (prefix === 'tag') {
    if (rest.includes('.')) {
      fail(`a tag has no dots; to search a subtree write path:${rest}`, restAt + rest.indexOf('.'), 1);
    }
    return { kind: 'tag', slug: readSlug(rest, restAt, 'tag:') };
  }
  if (prefix === 'path') return { kind: 'path', path: readPath(rest, restAt) };
  if (colon === 0) return fail('expected tag: or path: before the colon', at, 1);
  return fail(`unknown prefix "${word.slice(0, colon + 1)}"; write tag:… or path:…`, at, colon + 1);
}

/** One slug: 1–64 of a–z, 0–9, `-`, `_`. `after` names what came before it, for the empty case. */
function readSlug(slug: string, at: number, after: string): string {
  const { maxSlugLength } = TAG_QUERY_LIMITS;
  if (slug.length === 0) fail(`expected a tag after ${after}`, at, 0);
  for (let i = 0; i < slug.length; ) {
    const cp = slug.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (/[a-z0-9_-]/.test(ch)) {
      i += ch.length;
      continue;
    }
    if (/[A-Z]/.test(ch)) {
      const lower = slug.toLowerCase();
      const hint = /^[a-z0-9_-]+$/.test(lower) ? `: write ${lower}` : '';
      fail(`tags are written in lowercase${hint}`, at + i, 1);
    }
    fail(`"${ch}" cannot be in a tag; tags use lowercase letters, digits, - and _`, at + i, ch.length);
  }
  if (slug.length > maxSlugLength) {
    fail(`a tag has at most ${maxSlugLength} characters; this one has ${slug.length}`, at, slug.length);
  }
  return slug;
}

/** A path: 1–16 slugs joined by dots. */
function readPath(path: string, at: number): string[] {
  const { maxPathLevels } = TAG_QUERY_LIMITS;
  if (path.length === 0) fail('expected a path after path:, e.g. path:electronics.mobile', at, 0);
  const levels: string[] = [];
  let offset = 0;
  for (const level of path.split('.')) {
    if (level.length === 0) {
      // An empty level: a leading dot, two dots in a row, or a trailing dot.
      const dot = offset === path.length ? offset - 1 : offset;
      fail('a path has an empty level here; join tags with single dots, e.g. path:electronics.mobile', at + dot, 1);
    }
    if (levels.length === maxPathLevels) {
      fail(`a path has at most ${maxPathLevels} levels`, at + offset, path.length - offset);
    }
    levels.push(readSlug(level, at + offset, 'path:'));
    offset += level.length + 1;
  }
  return levels;
}
