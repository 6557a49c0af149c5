import { describe, expect, it } from 'vitest';
import { formatQueryError, parseTagQuery } from '../../src/tag-query/parser.js';
import { and, ast, not, or, path, tag } from './helpers.js';

/**
 * The tag query parser (issue #20): what a merchandiser types and the tree it means — precedence NOT > AND > OR,
 * adjacent terms AND, operators in any case or as & | ! -, tag: and path: forms.
 */
describe('reading tag queries', () => {
  it('reads a bare word, tag: and path: terms', () => {
    expect(ast('smartphones')).toEqual(tag('smartphones'));
    expect(ast('tag:smartphones')).toEqual(tag('smartphones'));
    expect(ast('TAG:t-shirts_2')).toEqual(tag('t-shirts_2'));
    expect(ast('path:electronics.mobile')).toEqual(path('electronics.mobile'));
    expect(ast('Path:electronics')).toEqual(path('electronics'));
  });

  it('binds NOT tighter than AND, and AND tighter than OR', () => {
    expect(ast('a OR b AND c')).toEqual(or(tag('a'), and(tag('b'), tag('c'))));
    expect(ast('a AND b OR c')).toEqual(or(and(tag('a'), tag('b')), tag('c')));
    expect(ast('NOT a AND b')).toEqual(and(not(tag('a')), tag('b')));
    expect(ast('NOT a OR b')).toEqual(or(not(tag('a')), tag('b')));
    expect(ast('a OR NOT b AND c')).toEqual(or(tag('a'), and(not(tag('b')), tag('c'))));
  });

  it('lets parentheses override precedence', () => {
    expect(ast('(a OR b) AND c')).toEqual(and(or(tag('a'), tag('b')), tag('c')));
    expect(ast('NOT (a AND b)')).toEqual(not(and(tag('a'), tag('b'))));
    expect(ast('((a))')).toEqual(tag('a'));
  });

  it('makes AND and OR n-ary and flat however they are grouped', () => {
    const abc = and(tag('a'), tag('b'), tag('c'));
    expect(ast('a AND b AND c')).toEqual(abc);
    expect(ast('(a AND b) AND c')).toEqual(abc);
    expect(ast('a AND (b AND c)')).toEqual(abc);
    expect(ast('a OR (b OR c) OR d')).toEqual(or(tag('a'), tag('b'), tag('c'), tag('d')));
  });

  it('reads adjacent terms as AND, at AND precedence', () => {
    expect(ast('a b')).toEqual(and(tag('a'), tag('b')));
    expect(ast('a b OR c')).toEqual(or(and(tag('a'), tag('b')), tag('c')));
    expect(ast('a (b OR c) !d')).toEqual(and(tag('a'), or(tag('b'), tag('c')), not(tag('d'))));
  });

  it('takes operators in any case and the short forms & | ! -', () => {
    const expected = or(and(tag('a'), not(tag('b'))), tag('c'));
    for (const text of [
      'a AND NOT b OR c',
      'a and not b or c',
      'a And Not b oR c',
      'a & !b | c',
      'a && !b || c',
      'a -b | c',
    ]) {
      expect(ast(text), text).toEqual(expected);
    }
  });

  it('keeps - inside a slug and reads it as NOT where a term starts', () => {
    expect(ast('t-shirts')).toEqual(tag('t-shirts'));
    expect(ast('-t-shirts')).toEqual(not(tag('t-shirts')));
    expect(ast('tag:-odd')).toEqual(tag('-odd'));
  });

  it('drops double negation and identical children', () => {
    expect(ast('NOT NOT a')).toEqual(tag('a'));
    expect(ast('!!!a')).toEqual(not(tag('a')));
    expect(ast('a OR a OR b')).toEqual(or(tag('a'), tag('b')));
    expect(ast('a a')).toEqual(tag('a'));
  });

  it('reads a tag named like an operator through tag:', () => {
    expect(ast('tag:or OR tag:not')).toEqual(or(tag('or'), tag('not')));
  });

  it('treats tabs and line breaks as spaces', () => {
    expect(ast('a\tAND\r\nb')).toEqual(and(tag('a'), tag('b')));
  });

  it('accepts the limits themselves: 2,000 characters, 100 tags, 32 parentheses, 64-character slugs, 16 levels', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => `t${i}`).join(' OR ');
    expect(parseTagQuery(`${hundred}${' '.repeat(2000 - hundred.length)}`).ok).toBe(true);
    expect(parseTagQuery(`${'('.repeat(32)}a${')'.repeat(32)}`).ok).toBe(true);
    expect(ast(`tag:${'x'.repeat(64)}`)).toEqual(tag('x'.repeat(64)));
    const sixteen = Array.from({ length: 16 }, (_, i) => `l${i}`).join('.');
    expect(ast(`path:${sixteen}`)).toEqual(path(sixteen));
  });
});

describe('refusing a query, with the place', () => {
  const refusals: [string, string, string, number, number][] = [
    ['empty query', '', 'the query is empty: write a tag, e.g. smartphones or path:electronics.mobile', 0, 0],
    ['blank query', '   ', 'the query is empty: write a tag, e.g. smartphones or path:electronics.mobile', 3, 0],
    ['trailing AND', 'smartphones AND', 'expected a tag after AND', 15, 0],
    ['trailing |', 'a |', 'expected a tag after |', 3, 0],
    ['trailing NOT', 'a AND NOT', 'expected a tag after NOT', 9, 0],
    ['two operators', 'a AND OR b', 'expected a tag after AND, found OR', 6, 2],
    ['leading operator', 'OR a', 'OR needs a tag before it', 0, 2],
    ['unclosed (', 'a AND (b OR c', 'this ( is never closed', 6, 1],
    ['inner unclosed (', '((a) OR (b)', 'this ( is never closed', 0, 1],
    ['stray )', 'a OR b) AND c', 'this ) has no ( before it', 6, 1],
    ['leading )', ') a', 'this ) has no ( before it', 0, 1],
    ['empty parentheses', 'a AND ()', 'expected a tag after (, found )', 7, 1],
    ['operator before )', '(a AND) b', 'expected a tag after AND, found )', 6, 1],
    ['bad slug character', 'smart@phones', '"@" cannot be in a tag; tags use lowercase letters, digits, - and _', 5, 1],
    ['accented letter', 'tag:café', '"é" cannot be in a tag; tags use lowercase letters, digits, - and _', 7, 1],
    ['emoji', 'a 🎁', '"🎁" cannot be in a tag; tags use lowercase letters, digits, - and _', 2, 2],
    ['uppercase', 'a OR Smartphones', 'tags are written in lowercase: write smartphones', 5, 1],
    ['quotes', '"summer sale"', '""" cannot be in a tag; tags use lowercase letters, digits, - and _', 0, 1],
    [
      'dotted bare word',
      'electronics.mobile',
      'a tag has no dots; to search a subtree write path:electronics.mobile',
      11,
      1,
    ],
    ['dotted tag:', 'tag:a.b', 'a tag has no dots; to search a subtree write path:a.b', 5, 1],
    ['empty tag:', 'tag: a', 'expected a tag after tag:', 4, 0],
    ['empty path:', 'a path:', 'expected a path after path:, e.g. path:electronics.mobile', 7, 0],
    [
      'double dot',
      'path:a..b',
      'a path has an empty level here; join tags with single dots, e.g. path:electronics.mobile',
      7,
      1,
    ],
    [
      'leading dot',
      'path:.a',
      'a path has an empty level here; join tags with single dots, e.g. path:electronics.mobile',
      5,
      1,
    ],
    [
      'trailing dot',
      'path:a.',
      'a path has an empty level here; join tags with single dots, e.g. path:electronics.mobile',
      6,
      1,
    ],
    ['unknown prefix', 'a cat:shoes', 'unknown prefix "cat:"; write tag:… or path:…', 2, 4],
    ['bare colon', ':shoes', 'expected tag: or path: before the colon', 0, 1],
    ['slug too long', `a ${'x'.repeat(65)}`, 'a tag has at most 64 characters; this one has 65', 2, 65],
    [
      'path too deep',
      `path:${Array.from({ length: 17 }, (_, i) => `l${i}`).join('.')}`,
      'a path has at most 16 levels',
      5 + Array.from({ length: 16 }, (_, i) => `l${i}.`).join('').length,
      3,
    ],
    ['NUL', 'a\u0000b', 'a control character (NUL, U+0000) cannot be in a query', 1, 1],
    ['escape', 'a OR \u001bb', 'a control character (U+001B) cannot be in a query', 5, 1],
    ['C1 control', 'a\u0085', 'a control character (U+0085) cannot be in a query', 1, 1],
  ];

  it.each(refusals)('%s: %j', (_, text, message, position, length) => {
    expect(parseTagQuery(text)).toEqual({ ok: false, error: { message, position, length } });
  });

  it('refuses more than 2,000 characters at the 2,001st', () => {
    const text = `a OR ${'b'.repeat(2_000)}`;
    expect(parseTagQuery(text)).toEqual({
      ok: false,
      error: { message: 'the query is 2,005 characters long; the most is 2,000', position: 2_000, length: 5 },
    });
  });

  it('refuses more than 100 tags at the 101st', () => {
    const text = Array.from({ length: 101 }, (_, i) => `t${i}`).join(' ');
    const position = text.lastIndexOf('t100');
    expect(parseTagQuery(text)).toEqual({
      ok: false,
      error: { message: 'a query may name at most 100 tags; this is tag number 101', position, length: 4 },
    });
  });

  it('refuses a 33rd nested parenthesis without overflowing the stack', () => {
    expect(parseTagQuery(`${'('.repeat(33)}a${')'.repeat(33)}`)).toEqual({
      ok: false,
      error: { message: 'parentheses may nest at most 32 deep', position: 32, length: 1 },
    });
    // 1,000 open parentheses: the refusal comes at the 33rd, not as a RangeError from deep recursion.
    const deep = parseTagQuery('('.repeat(1_000));
    expect(deep.ok || deep.error.position).toBe(32);
  });

  it('reads 2,000 NOTs in a row without recursing', () => {
    expect(parseTagQuery(`${'!'.repeat(1_999)}a`)).toEqual({ ok: true, ast: not(tag('a')) });
    expect(parseTagQuery(`${'-'.repeat(1_998)}a`)).toEqual({ ok: true, ast: tag('a') });
  });

  it('never throws, whatever the text', () => {
    const alphabet = 'ab:.()&|!- \tAND\u0000é';
    let seed = 7;
    for (let n = 0; n < 2_000; n++) {
      let text = '';
      const len = n % 40;
      for (let i = 0; i < len; i++) {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        text += alphabet[seed % alphabet.length];
      }
      const r = parseTagQuery(text);
      if (!r.ok) {
        expect(r.error.position, text).toBeGreaterThanOrEqual(0);
        expect(r.error.position + r.error.length, text).toBeLessThanOrEqual(text.length);
      }
    }
  });
});

describe('showing an error to a merchandiser', () => {
  it('puts a caret under the place', () => {
    const text = 'smartphones AND';
    const r = parseTagQuery(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatQueryError(text, r.error)).toBe(
      'expected a tag after AND at 15\n  smartphones AND\n                 ^',
    );
  });

  it('underlines the whole bad word and shows only the line it is on', () => {
    const text = 'a OR\n  b cat:shoes\nc';
    const r = parseTagQuery(text);
    if (r.ok) throw new Error('parsed');
    expect(formatQueryError(text, r.error)).toBe(
      'unknown prefix "cat:"; write tag:… or path:… at 9\n    b cat:shoes\n      ^^^^',
    );
  });

  it('shows a refused control character as � under its caret', () => {
    const text = 'a\u0000b';
    const r = parseTagQuery(text);
    if (r.ok) throw new Error('parsed');
    expect(formatQueryError(text, r.error)).toBe(
      'a control character (NUL, U+0000) cannot be in a query at 1\n  a\uFFFDb\n   ^',
    );
  });

  it('cuts a long line to a window around the place', () => {
    const text = `${Array.from({ length: 60 }, (_, i) => `tag${i}`).join(' OR ')} OR`;
    const r = parseTagQuery(text);
    if (r.ok) throw new Error('parsed');
    const [, line, carets] = formatQueryError(text, r.error).split('\n');
    expect(line!.length).toBeLessThanOrEqual(84);
    expect(line!.startsWith('  …')).toBe(true);
    expect(line!.endsWith(' OR')).toBe(true);
    expect(carets!.indexOf('^')).toBe(line!.length);
  });
});
