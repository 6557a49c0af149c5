import * as A from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import {
  addToCart,
  CART_GENESIS,
  cartBoundsProblem,
  cartDocProblems,
  cartView,
  findBadText,
  MAX_CART_LINES,
  MAX_CART_QTY,
  refuseBadText,
  setCartQty,
  setFulfilment,
  type CartDoc,
} from '../src/index.js';

const mug = { sku: 'MUG', name: 'Mug', unitPriceMinor: 1200, currency: 'USD', taxClass: 'STANDARD' };
const cart = () => A.change(A.init<CartDoc>(), (d) => addToCart(d, mug, 2, 'store:a', 1_700_000_000_000));
/** A line written straight into the document, as a store's own code could. */
const withLine = (doc: A.Doc<CartDoc>, key: string, line: Record<string, unknown>) =>
  A.change(doc, (d) => {
    d.lines![key] = line as never;
  });
const line = (over: Record<string, unknown> = {}) => ({
  ...mug,
  sku: 'NUL1',
  qty: new A.Counter(1),
  addedAt: 1,
  addedBy: 'store:b',
  ...over,
});

describe('cart content', () => {
  it('finds nothing wrong with a cart made by the cart functions', () => {
    const doc = A.change(cart(), (d) =>
      setFulfilment(d, { type: 'PICKUP', storeId: '0190f0f0-0000-7000-8000-000000000001' }),
    );
    expect(cartDocProblems(doc)).toEqual([]);
  });

  it('names each thing wrong: NUL text, wrong types, non-integer or negative money, unknown keys, a key that is not its sku', () => {
    const problems = (l: Record<string, unknown>, key = 'NUL1') => cartDocProblems(withLine(cart(), key, l));
    expect(problems(line({ name: 'a\u0000b' }))).toEqual([
      { path: 'lines.NUL1.name', message: 'contains U+0000 (NUL)' },
    ]);
    expect(problems(line({ unitPriceMinor: 1.5 }))).toEqual([
      { path: 'lines.NUL1.unitPriceMinor', message: expect.stringMatching(/int/i) },
    ]);
    expect(problems(line({ unitPriceMinor: -1 }))).toEqual([
      { path: 'lines.NUL1.unitPriceMinor', message: expect.any(String) },
    ]);
    expect(problems(line({ qty: 3 }))).toEqual([{ path: 'lines.NUL1.qty', message: 'must be an Automerge counter' }]);
    // a quantity past the bound is what two valid devices' adds can make: no refusal reason (cartView clamps it)
    expect(problems(line({ qty: new A.Counter(MAX_CART_QTY + 2_000) }))).toEqual([]);
    expect(problems(line({ qty: new A.Counter(-20_000) }))).toEqual([]);
    expect(problems(line({ taxClass: 'std' }))).toEqual([{ path: 'lines.NUL1.taxClass', message: expect.any(String) }]);
    expect(problems(line({ extra: 'x' }))).toEqual([{ path: 'lines.NUL1', message: expect.stringMatching(/extra/) }]);
    expect(problems(line(), 'OTHER')).toEqual([
      { path: 'lines.OTHER.sku', message: "must equal the line's key OTHER" },
    ]);
    const withNote = A.change(cart(), (d) => {
      (d as Record<string, unknown>).note = 'x';
    });
    expect(cartDocProblems(withNote)).toEqual([{ path: '(root)', message: expect.stringMatching(/note/) }]);
  });

  it('accepts what valid concurrent edits merge into — a line past its bound, a 101st line — and cartView shows it within bounds, saying so', () => {
    const base = A.change(A.load<CartDoc>(CART_GENESIS), (d) => {
      for (let i = 0; i < MAX_CART_LINES - 2; i++)
        addToCart(d, { ...mug, sku: `SKU${String(i).padStart(3, '0')}` }, 1, 'store:a', 1);
      addToCart(d, mug, 4_000, 'store:a', 1);
    });
    // two devices, each within bounds on its own: +6,000 mugs each, and each adds a 100th line
    const one = A.change(A.clone(base), (d) => {
      d.lines!.MUG!.qty.increment(6_000);
      addToCart(d, { ...mug, sku: 'ZZA' }, 1, 'store:a', 2);
    });
    const two = A.change(A.clone(base), (d) => {
      d.lines!.MUG!.qty.increment(6_000);
      addToCart(d, { ...mug, sku: 'ZZB' }, 1, 'store:b', 2);
    });
    expect(cartBoundsProblem(base, 'MUG', { add: 6_000 })).toBeUndefined();
    expect(cartBoundsProblem(base, 'ZZA', { add: 1 })).toBeUndefined();
    const merged = A.merge(one, two);
    expect(cartDocProblems(merged)).toEqual([]);
    const view = cartView(merged);
    expect(view.lines).toHaveLength(MAX_CART_LINES);
    expect(view.lines.find((l) => l.sku === 'MUG')).toMatchObject({
      qty: MAX_CART_QTY,
      totalMinor: MAX_CART_QTY * 1200,
    });
    expect(view.skipped).toEqual([{ line: 'lines.ZZB', problem: `past the ${MAX_CART_LINES} lines a cart holds` }]);
    expect(view.overBounds).toBe(
      `edits made on several devices at once took this cart past its bounds: MUG has 16000, more than a line holds (${MAX_CART_QTY}); it has 101 lines, more than a cart holds (${MAX_CART_LINES}); change it before checking out`,
    );
    expect(cartView(base)).not.toHaveProperty('overBounds');
  });

  it('a device refuses its own edit past a bound, in words for the person at the screen', () => {
    const full = A.change(A.load<CartDoc>(CART_GENESIS), (d) => {
      for (let i = 0; i < MAX_CART_LINES; i++) addToCart(d, { ...mug, sku: `SKU${i}` }, 1, 'store:a', 1);
    });
    expect(cartBoundsProblem(full, 'NEW', { add: 1 })).toBe(
      `a cart holds at most ${MAX_CART_LINES} lines: remove one before adding NEW`,
    );
    expect(cartBoundsProblem(full, 'SKU1', { add: 1 })).toBeUndefined(); // more of a line it has
    expect(cartBoundsProblem(full, 'SKU1', { add: MAX_CART_QTY })).toBe(
      `a cart line holds at most ${MAX_CART_QTY} of a product: SKU1 would have ${MAX_CART_QTY + 1}`,
    );
    expect(cartBoundsProblem(full, 'SKU1', { setTo: MAX_CART_QTY })).toBeUndefined();
  });

  it('every device starts from the same first change, so lines added before syncing land in one map', () => {
    const kiosk = A.change(A.load<CartDoc>(CART_GENESIS), (d) => addToCart(d, { ...mug, sku: 'TEA' }, 1, 'store:b', 2));
    const hub = A.change(A.load<CartDoc>(CART_GENESIS), (d) => addToCart(d, mug, 2, 'user:web', 1));
    expect(cartView(A.merge(hub, kiosk)).lines.map((l) => `${l.sku}×${l.qty}`)).toEqual(['MUG×2', 'TEA×1']);
  });

  it('choosing the fulfilment the cart has, or the quantity a line has, changes nothing', () => {
    const doc = A.change(cart(), (d) =>
      setFulfilment(d, { type: 'PICKUP', storeId: '0190f0f0-0000-7000-8000-000000000001' }),
    );
    const heads = A.getHeads(doc);
    expect(
      A.getHeads(
        A.change(doc, (d) => setFulfilment(d, { type: 'PICKUP', storeId: '0190f0f0-0000-7000-8000-000000000001' })),
      ),
    ).toEqual(heads);
    expect(A.getHeads(A.change(doc, (d) => void setCartQty(d, 'MUG', 2)))).toEqual(heads);
    expect(A.getHeads(A.change(doc, (d) => setFulfilment(d, { type: 'SHIP', storeId: null })))).not.toEqual(heads);
  });

  it('cartView leaves a malformed line out and names it, so it never reaches a checkout', () => {
    const doc = withLine(
      withLine(cart(), 'NUL1', line({ name: 'a\u0000b' })),
      'FREE',
      line({ sku: 'FREE', unitPriceMinor: -500 }),
    );
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
    expect(findBadText({ name: '\ud800x' })).toEqual({
      path: 'name',
      problem: 'contains a lone surrogate (U+D800–U+DFFF outside a pair)',
    });
    expect(findBadText({ name: 'x\udc00' })).toMatchObject({ path: 'name' });
    expect(findBadText({ name: '😀 \ud83d\ude00', list: ['ok'] })).toBeUndefined();
    expect(findBadText({ 'k\ud800': 1 })).toEqual({
      path: 'k\\ud800 (a key)',
      problem: expect.stringMatching(/lone surrogate/),
    });
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
    expect(run(req(JSON.parse('{"name":"\\ud800x"}')))).toBe(
      'name: text may not contain a lone surrogate (U+D800–U+DFFF outside a pair)',
    );
    expect(run(req({}, { q: '\udfff' }))).toBe(
      'query q: text may not contain a lone surrogate (U+D800–U+DFFF outside a pair)',
    );
    expect(run(req({ name: 'a\u0000b' }))).toBe('name: text may not contain U+0000 (NUL)');
    expect(run(req({ name: 'Zoë 😀' }))).toBe('passed');
  });
});
