import * as A from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import { addToCart, cartDocProblems, cartView, findBadText, MAX_CART_LINES, refuseBadText, setFulfilment, type CartDoc } from '../src/index.js';

const mug = { sku: 'MUG', name: 'Mug', unitPriceMinor: 1200, currency: 'USD', taxClass: 'STANDARD' };
const cart = () => A.change(A.init<CartDoc>(), (d) => addToCart(d, mug, 2, 'store:a', 1_700_000_000_000));
/** A line written straight into the document, as a store's own code could. */
const withLine = (doc: A.Doc<CartDoc>, key: string, line: Record<string, unknown>) =>
  A.change(doc, (d) => void (d.lines![key] = line as never));
const line = (over: Record<string, unknown> = {}) => ({ ...mug, sku: 'NUL1', qty: new A.Counter(1), addedAt: 1, addedBy: 'store:b', ...over });

describe('cart content', () => {
  it('finds nothing wrong with a cart made by the cart functions', () => {
    const doc = A.change(cart(), (d) => setFulfilment(d, { type: 'PICKUP', storeId: '0190f0f0-0000-7000-8000-000000000001' }));
    expect(cartDocProblems(doc)).toEqual([]);
  });

  it('names each thing wrong: NUL text, wrong types, non-integer or negative money, qty out of range, unknown keys, a key that is not its sku', () => {
    const problems = (l: Record<string, unknown>, key = 'NUL1') => cartDocProblems(withLine(cart(), key, l));
    expect(problems(line({ name: 'a\u0000b' }))).toEqual([{ path: 'lines.NUL1.name', message: 'contains U+0000 (NUL)' }]);
    expect(problems(line({ unitPriceMinor: 1.5 }))).toEqual([{ path: 'lines.NUL1.unitPriceMinor', message: expect.stringMatching(/int/i) }]);
    expect(problems(line({ unitPriceMinor: -1 }))).toEqual([{ path: 'lines.NUL1.unitPriceMinor', message: expect.any(String) }]);
    expect(problems(line({ qty: 3 }))).toEqual([{ path: 'lines.NUL1.qty', message: 'must be an Automerge counter' }]);
    expect(problems(line({ qty: new A.Counter(10_001) }))).toEqual([{ path: 'lines.NUL1.qty', message: 'must be a whole number between -10000 and 10000' }]);
    expect(problems(line({ taxClass: 'std' }))).toEqual([{ path: 'lines.NUL1.taxClass', message: expect.any(String) }]);
    expect(problems(line({ extra: 'x' }))).toEqual([{ path: 'lines.NUL1', message: expect.stringMatching(/extra/) }]);
    expect(problems(line(), 'OTHER')).toEqual([{ path: 'lines.OTHER.sku', message: "must equal the line's key OTHER" }]);
    expect(cartDocProblems(A.change(cart(), (d) => void ((d as Record<string, unknown>).note = 'x')))).toEqual([{ path: '(root)', message: expect.stringMatching(/note/) }]);
  });

  it('refuses a cart past its line limit', () => {
    let doc = A.init<CartDoc>();
    doc = A.change(doc, (d) => {
      for (let i = 0; i <= MAX_CART_LINES; i++) addToCart(d, { ...mug, sku: `SKU${i}` }, 1, 'store:a', 1);
    });
    expect(cartDocProblems(doc)).toEqual([{ path: 'lines', message: `a cart holds at most ${MAX_CART_LINES} lines` }]);
  });

  it('cartView leaves a malformed line out and names it, so it never reaches a checkout', () => {
    const doc = withLine(withLine(cart(), 'NUL1', line({ name: 'a\u0000b' })), 'FREE', line({ sku: 'FREE', unitPriceMinor: -500 }));
    const view = cartView(doc);
    expect(view.lines.map((l) => l.sku)).toEqual(['MUG']);
    expect(view.subtotalMinor).toBe(2400);
    expect(view.skipped).toEqual([
      { line: 'lines.NUL1', problem: 'name contains U+0000 (NUL)' },
      { line: 'lines.FREE', problem: expect.stringMatching(/^unitPriceMinor: /) },
    ]);
    expect(cartView(cart())).not.toHaveProperty('skipped');
  });
});

describe('bad text', () => {
  it('finds lone surrogates (either half) but not pairs, and NUL', () => {
    expect(findBadText({ name: '\ud800x' })).toEqual({ path: 'name', problem: 'contains a lone surrogate (U+D800–U+DFFF outside a pair)' });
    expect(findBadText({ name: 'x\udc00' })).toMatchObject({ path: 'name' });
    expect(findBadText({ name: '😀 \ud83d\ude00', list: ['ok'] })).toBeUndefined();
    expect(findBadText({ ['k\ud800']: 1 })).toEqual({ path: 'k\\ud800 (a key)', problem: expect.stringMatching(/lone surrogate/) });
    expect(findBadText(['a', 'b\u0000'])).toEqual({ path: '1', problem: 'contains U+0000 (NUL)' });
  });

  it('the middleware refuses a lone surrogate in the body or query with 400 validation', () => {
    const req = (body: unknown, query: unknown = {}) => ({ originalUrl: '/api/x', path: '/x', query, body });
    const run = (r: ReturnType<typeof req>) => {
      try {
        refuseBadText(r, undefined, () => undefined);
        return 'passed';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(run(req(JSON.parse('{"name":"\\ud800x"}')))).toBe('name: text may not contain a lone surrogate (U+D800–U+DFFF outside a pair)');
    expect(run(req({}, { q: '\udfff' }))).toBe('query q: text may not contain a lone surrogate (U+D800–U+DFFF outside a pair)');
    expect(run(req({ name: 'a\u0000b' }))).toBe('name: text may not contain U+0000 (NUL)');
    expect(run(req({ name: 'Zoë 😀' }))).toBe('passed');
  });
});
