/**
 * The tag query's parser: tokens → a normalised tree, or the first error with its position.
 *
 *   query   := or END
 *   or      := and ( OR and )*
 *   and     := unary ( AND? unary )*        adjacent terms are AND: `a b` = `a AND b`
 *   unary   := NOT* primary                 read in a loop, so `!!!…!a` never recurses
 *   primary := TERM | '(' or ')'            at most 32 parentheses open at once
 *
 * Precedence NOT > AND > OR; AND and OR are associative and come back n-ary and flattened (see ast.ts).
 * Recursion only follows parentheses, so its depth is bounded by the nesting limit.
 */
import { normalise, TAG_QUERY_LIMITS, type TagQuery } from './ast.js';
import { lexTagQuery, type QueryError, type Token } from './lexer.js';

export type ParseResult = { ok: true; ast: TagQuery } | { ok: false; error: QueryError };

class ParseError extends Error {
  constructor(readonly error: QueryError) {
    super(error.message);
  }
}

/** Parses a tag query (`smartphones AND NOT path:electronics.refurbished`); never throws for any string. */
export function parseTagQuery(text: string): ParseResult {
  const lexed = lexTagQuery(text);
  if (!lexed.ok) return lexed;
  try {
    return { ok: true, ast: normalise(new Parser(lexed.tokens).query()) };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: e.error };
    throw e;
  }
}

/** What came just before a place a tag is expected; decides the message when none is there. */
type Before = Token | 'start';

class Parser {
  #at = 0;
  #depth = 0;
  readonly #tokens: readonly Token[];

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
  }

  query(): TagQuery {
    const first = this.#peek();
    if (first.type === 'end')
      this.#fail('the query is empty: write a tag, e.g. smartphones or path:electronics.mobile', first, 0);
    const q = this.#or('start');
    const next = this.#peek();
    // `or` stops only at `)` or the end: any other token would have continued it.
    if (next.type === 'rparen') this.#fail('this ) has no ( before it', next);
    return q;
  }

  #or(before: Before): TagQuery {
    const of = [this.#and(before)];
    while (this.#peek().type === 'or') {
      const op = this.#next();
      of.push(this.#and(op));
    }
    return of.length === 1 ? of[0]! : { kind: 'or', of };
  }

  #and(before: Before): TagQuery {
    const of = [this.#unary(before)];
    for (;;) {
      const next = this.#peek();
      if (next.type === 'and') {
        this.#next();
        of.push(this.#unary(next));
      } else if (next.type === 'term' || next.type === 'not' || next.type === 'lparen') {
        of.push(this.#unary(next));
      } else {
        break;
      }
    }
    return of.length === 1 ? of[0]! : { kind: 'and', of };
  }

  #unary(before: Before): TagQuery {
    let negations = 0;
    let last = before;
    while (this.#peek().type === 'not') {
      last = this.#next();
      negations++;
    }
    const q = this.#primary(last);
    return negations % 2 === 1 ? { kind: 'not', of: q } : q;
  }

  #primary(before: Before): TagQuery {
    const tok = this.#peek();
    if (tok.type === 'term') {
      this.#next();
      return tok.term;
    }
    if (tok.type === 'lparen') {
      this.#next();
      this.#depth++;
      if (this.#depth > TAG_QUERY_LIMITS.maxDepth) {
        this.#fail(`parentheses may nest at most ${TAG_QUERY_LIMITS.maxDepth} deep`, tok);
      }
      const inner = this.#or(tok);
      const close = this.#peek();
      if (close.type !== 'rparen') this.#fail('this ( is never closed', tok);
      this.#next();
      this.#depth--;
      return inner;
    }
    return this.#missingTerm(before, tok);
  }

  /** No tag where one must be: say what came before and what was found instead. */
  #missingTerm(before: Before, found: Token): never {
    const instead = found.type === 'end' ? '' : `, found ${found.text}`;
    if (before === 'start') {
      if (found.type === 'rparen') this.#fail('this ) has no ( before it', found);
      this.#fail(`${found.text} needs a tag before it`, found);
    }
    if (before.type === 'lparen') this.#fail(`expected a tag after (${instead}`, found, found.text.length);
    return this.#fail(`expected a tag after ${before.text}${instead}`, found, found.text.length);
  }

  #peek(): Token {
    return this.#tokens[this.#at]!;
  }

  #next(): Token {
    const tok = this.#tokens[this.#at]!;
    if (tok.type !== 'end') this.#at++;
    return tok;
  }

  #fail(message: string, at: Token, length = at.text.length): never {
    throw new ParseError({ message, position: at.position, length });
  }
}

/**
 * The error as a merchandiser sees it: the message with its position, the line of the query, and carets under the
 * place. A long line is cut to a window around the place (marked with …).
 *
 *   expected a tag after AND at 15
 *     smartphones AND
 *                    ^
 */
export function formatQueryError(text: string, error: QueryError): string {
  const position = Math.min(Math.max(error.position, 0), text.length);
  const lineStart = text.lastIndexOf('\n', position - 1) + 1;
  const newline = text.indexOf('\n', position);
  const lineEnd = newline < 0 ? text.length : newline;
  // Tabs become one space and other control characters U+FFFD, so the caret stays under its character and the
  // refused character is seen; a CR before the line feed is dropped.
  let line = text
    .slice(lineStart, lineEnd)
    .replace(/\r$/, '')
    .replace(/\t/g, ' ')
    .replace(/[^\P{Cc}\t]/gu, '\uFFFD');
  let column = position - lineStart;
  const width = 80;
  if (line.length > width) {
    const from = Math.max(0, Math.min(column - width / 2, line.length - width));
    const head = from > 0 ? '…' : '';
    const tail = from + width < line.length ? '…' : '';
    line = head + line.slice(from, from + width) + tail;
    column = column - from + head.length;
  }
  const carets = '^'.repeat(Math.max(1, Math.min(error.length, line.length - column)));
  return `${error.message} at ${error.position}\n  ${line}\n  ${' '.repeat(column)}${carets}`;
}
