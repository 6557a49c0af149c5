import { isOperatorWord, type PathTerm, type TagQuery, type TagTerm } from './ast.js';

/** A term of a query (a tag by slug or a subtree by path) and where it is written in the query's text. */
export interface LocatedTagQueryTerm {
  readonly term: TagTerm | PathTerm;
  /** 0-based index of the term's first character in the text (as the parser's errors), -1 when not found. */
  readonly position: number;
  /** Characters of the term as written (`tag:` or `path:` included), the whole text's length when not found. */
  readonly length: number;
}

/** The terms a query names, in the order written (left to right through the tree), each once. */
export function termsOf(q: TagQuery): (TagTerm | PathTerm)[] {
  const out: (TagTerm | PathTerm)[] = [];
  const seen = new Set<string>();
  const walk = (n: TagQuery): void => {
    if (n.kind === 'tag' || n.kind === 'path') {
      const key = n.kind === 'tag' ? `t ${n.slug}` : `p ${n.path.join('.')}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(n);
      }
    } else if (n.kind === 'not') walk(n.of);
    else for (const child of n.of) walk(child);
  };
  walk(q);
  return out;
}

/**
 * Where a term is first written in the text, by the lexer's word boundaries (spaces, parentheses, `&` `|` `!` and a
 * leading `-`); undefined when the text does not hold it (a tree not parsed from this text).
 */
export function locateTerm(text: string, term: TagTerm | PathTerm): { position: number; length: number } | undefined {
  let i = 0;
  while (i < text.length) {
    if (/[\s()&|!-]/.test(text[i]!)) {
      i++;
      continue;
    }
    const start = i;
    while (i < text.length && !/[\s()&|!]/.test(text[i]!)) i++;
    const word = text.slice(start, i);
    if (isOperatorWord(word)) continue;
    const colon = word.indexOf(':');
    const prefix = colon < 0 ? 'tag' : word.slice(0, colon).toLowerCase();
    const rest = colon < 0 ? word : word.slice(colon + 1);
    const matches =
      term.kind === 'tag' ? prefix === 'tag' && rest === term.slug : prefix === 'path' && rest === term.path.join('.');
    if (matches) return { position: start, length: word.length };
  }
  return undefined;
}

/**
 * Every term of `ast` (parsed from `text`) with where it is written: what the hub and a store need to answer "there is
 * no tag "x" at character N" with a caret under it. A term the text does not hold gets position -1.
 */
export function locateTerms(text: string, ast: TagQuery): LocatedTagQueryTerm[] {
  return termsOf(ast).map((term) => {
    const at = locateTerm(text, term);
    return at ? { term, ...at } : { term, position: -1, length: text.length };
  });
}
