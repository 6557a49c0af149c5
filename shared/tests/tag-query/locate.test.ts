import { describe, expect, it } from 'vitest';
import { locateTagQueryTerm, locateTerms, tagQueryTerms } from '../../src/tag-query/index.js';
import type { PathTerm, TagTerm } from '../../src/tag-query/index.js';
import { ast, path, tag } from './helpers.js';

/** Where a query's terms are written: what a 422 for an unknown tag points at (the hub's and the store's). */
describe('locating the terms of a tag query', () => {
  it('lists each term once, in the order written', () => {
    expect(tagQueryTerms(ast('a AND (b OR NOT path:x.y) AND a'))).toEqual([tag('a'), tag('b'), path('x.y')]);
  });

  it('gives the 0-based position and the length of each term as written', () => {
    const text = 'organic AND NOT tag:frozen OR path:food.pantry';
    expect(locateTerms(text, ast(text))).toEqual([
      { term: tag('organic'), position: 0, length: 7 },
      { term: tag('frozen'), position: 16, length: 10 },
      { term: path('food.pantry'), position: 30, length: 16 },
    ]);
  });

  it('reads the lexer’s boundaries: parentheses, & | !, a leading -, operators in any case, TAG: and Path:', () => {
    const text = '(a&!-b)|TAG:c and Path:d.e';
    expect(locateTerms(text, ast(text)).map(({ position, length }) => [position, length])).toEqual([
      [1, 1],
      [5, 1],
      [8, 5],
      [18, 8],
    ]);
  });

  it('does not take a word that only contains the slug, nor a path for a tag of the same name', () => {
    expect(locateTagQueryTerm('frozenfood AND path:frozen AND frozen', tag('frozen') as TagTerm)).toEqual({
      position: 31,
      length: 6,
    });
    expect(locateTagQueryTerm('frozen AND path:frozen', path('frozen') as PathTerm)).toEqual({
      position: 11,
      length: 11,
    });
  });

  it('says -1 for a term the text does not hold', () => {
    expect(locateTerms('a', tag('zzz'))).toEqual([{ term: tag('zzz'), position: -1, length: 1 }]);
  });
});
