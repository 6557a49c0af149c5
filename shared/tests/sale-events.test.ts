import { describe, expect, it } from 'vitest';
import { saleCompletedSchema, saleReturnedSchema, type SaleCompleted, type SaleReturned } from '../src/index.js';

/** A receipt that adds up: 2 × 500 + 1 × 250, tax 100 + 25, paid 1,375 in cash out of 2,000. */
const sale: SaleCompleted = {
  saleId: 'S-1',
  lane: null,
  currency: 'USD',
  openedAt: 1_000,
  closedAt: 2_000,
  lines: [
    { sku: 'MUG', qty: 2, unitPriceMinor: 500, taxClass: 'STANDARD', subtotalMinor: 1_000, taxMinor: 100 },
    { sku: 'TEA', qty: 1, unitPriceMinor: 250, taxClass: 'STANDARD', subtotalMinor: 250, taxMinor: 25 },
  ],
  subtotalMinor: 1_250,
  taxMinor: 125,
  totalMinor: 1_375,
  tenders: [{ kind: 'CASH', amountMinor: 1_375, givenMinor: 2_000 }],
};
const ret: SaleReturned = {
  returnId: 'R-1',
  saleId: 'S-1',
  currency: 'USD',
  at: 3_000,
  lines: [
    { sku: 'MUG', qty: 1, refundMinor: 550 },
    { sku: 'TEA', qty: 1, refundMinor: 275 },
  ],
  refundMinor: 825,
  refund: { kind: 'CASH' },
};

/** What the schema says of a payload: 'ok', or each issue as `path: message`. */
const verdict = (schema: typeof saleCompletedSchema | typeof saleReturnedSchema, payload: unknown) => {
  const r = schema.safeParse(payload);
  return r.success ? 'ok' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('the sale events’ arithmetic', () => {
  it('takes a sale and a return that add up, split tenders and exact cash included', () => {
    expect(verdict(saleCompletedSchema, sale)).toBe('ok');
    const split = {
      ...sale,
      tenders: [
        { kind: 'CASH', amountMinor: 375, givenMinor: 375 },
        { kind: 'CARD', amountMinor: 1_000, reference: 'AUTH-1' },
      ],
    };
    expect(verdict(saleCompletedSchema, split)).toBe('ok');
    expect(verdict(saleReturnedSchema, ret)).toBe('ok');
  });

  it('refuses a sale whose numbers contradict each other, naming the field and both numbers', () => {
    const line0 = sale.lines[0]!;
    // The review's poisoned sale: a 1¢ line, a total of a billion dollars, paid with nothing.
    const cent = { sku: 'MUG', qty: 1, unitPriceMinor: 1, taxClass: 'STANDARD', subtotalMinor: 1, taxMinor: 0 };
    const lie = {
      ...sale,
      lines: [cent],
      subtotalMinor: 1,
      taxMinor: 0,
      totalMinor: 100_000_000_000,
      tenders: [{ kind: 'CASH', amountMinor: 0, givenMinor: 0 }],
    };
    expect(verdict(saleCompletedSchema, lie)).toEqual([
      'totalMinor: totalMinor 100000000000 is not subtotal 1 + tax 0',
      'tenders: the tenders pay 0, not the totalMinor 100000000000',
    ]);
    const cases: [unknown, string][] = [
      [
        { ...sale, lines: [{ ...line0, subtotalMinor: 999 }, sale.lines[1]] },
        'lines.0.subtotalMinor: subtotalMinor 999 is not qty 2 × unitPriceMinor 500',
      ],
      [
        {
          ...sale,
          subtotalMinor: 1_251,
          totalMinor: 1_376,
          tenders: [{ kind: 'CASH', amountMinor: 1_376, givenMinor: 2_000 }],
        },
        "subtotalMinor: subtotalMinor 1251 is not the lines' subtotals 1250",
      ],
      [
        { ...sale, taxMinor: 0, totalMinor: 1_250, tenders: [{ kind: 'CASH', amountMinor: 1_250, givenMinor: 2_000 }] },
        "taxMinor: taxMinor 0 is not the lines' tax 125",
      ],
      [
        { ...sale, tenders: [{ kind: 'CASH', amountMinor: 0, givenMinor: 0 }] },
        'tenders: the tenders pay 0, not the totalMinor 1375',
      ],
      [
        { ...sale, tenders: [{ kind: 'CASH', amountMinor: 1_375, givenMinor: 1_000 }] },
        'tenders.0.givenMinor: givenMinor 1000 is less than the cash amountMinor 1375',
      ],
    ];
    // the first fault is named first (a wrong line subtotal also makes the sale's subtotal disagree)
    for (const [payload, issue] of cases) expect(verdict(saleCompletedSchema, payload)[0]).toBe(issue);
  });

  it('refuses a return whose refund is not the sum of its lines', () => {
    expect(verdict(saleReturnedSchema, { ...ret, refundMinor: 100_000_000_000 })).toEqual([
      "refundMinor: refundMinor 100000000000 is not the lines' refunds 825",
    ]);
    expect(verdict(saleReturnedSchema, { ...ret, lines: [{ sku: 'MUG', qty: 1, refundMinor: 0 }] })).toEqual([
      "refundMinor: refundMinor 825 is not the lines' refunds 0",
    ]);
  });

  it('still refuses a malformed payload by its field, before any arithmetic', () => {
    expect(verdict(saleCompletedSchema, { ...sale, lines: [{ ...sale.lines[0]!, qty: 0 }] })).toEqual([
      expect.stringMatching(/^lines\.0\.qty: /),
    ]);
    expect(verdict(saleCompletedSchema, null)).toEqual([expect.stringMatching(/^: /)]);
  });
});
