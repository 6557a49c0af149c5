import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  applyRatePpm,
  formatMoney,
  isUuidV7,
  isValidGtin,
  money,
  sumMoney,
  timesQuantity,
  toGtin14,
  uuidv7,
  uuidv7Time,
} from '../src/index.js';
import { NotFoundError, RateLimitedError, ValidationError, toProblem } from '../src/errors.js';
import { parseOrThrow } from '../src/validation.js';
import { planMigrations, type MigrationFile } from '../src/migration-plan.js';

describe('UUIDv7', () => {
  it('makes valid v7 ids that sort in creation order, even within one millisecond and a clock step back', () => {
    const ids = [uuidv7(1_000), uuidv7(1_000), uuidv7(1_000), uuidv7(999), uuidv7(2_000)];
    expect(ids.every(isUuidV7)).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(uuidv7Time(ids[4]!)).toBe(2_000);
  });
});

describe('money', () => {
  it('adds and multiplies in whole minor units', () => {
    expect(sumMoney([timesQuantity(money(199), 3), money(1)])).toEqual({ minor: 598, currency: 'USD' });
    expect(() => money(1.5)).toThrow('money must be an integer of minor units, got 1.5');
    expect(() => sumMoney([money(1, 'EUR')], 'USD')).toThrow('cannot add USD to EUR');
  });

  it('applies tax rates in ppm, rounding half away from zero', () => {
    expect(applyRatePpm(money(1000), 88_750).minor).toBe(89); // 88.75 → 89
    expect(applyRatePpm(money(200), 62_500).minor).toBe(13); // 12.5 → 13
    expect(applyRatePpm(money(-200), 62_500).minor).toBe(-13); // refunds mirror sales
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 300_000 }), (minor, ppm) => {
        const tax = applyRatePpm(money(minor), ppm).minor;
        expect(Number.isInteger(tax)).toBe(true);
        expect(Math.abs(tax - (minor * ppm) / 1e6)).toBeLessThanOrEqual(0.5);
      }),
    );
    expect(formatMoney(money(123456))).toBe('$1,234.56');
  });

  it('formats amounts exactly as Intl does, in several locales and currencies', () => {
    const cases = [
      ['en-US', 'USD'],
      ['de-DE', 'EUR'],
      ['fr-FR', 'EUR'],
      ['en-GB', 'GBP'],
      ['en-IN', 'INR'],
      ['ja-JP', 'JPY'],
      ['de-CH', 'CHF'],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...cases),
        fc.integer({ min: -10_000_000_000, max: 10_000_000_000 }),
        ([locale, currency], minor) => {
          const intl = new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 100);
          expect(formatMoney(money(minor, currency), locale)).toBe(intl);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('GTIN', () => {
  it('validates check digits and pads to GTIN-14', () => {
    expect(isValidGtin('4006381333931')).toBe(true); // EAN-13
    expect(isValidGtin('4006381333932')).toBe(false);
    expect(isValidGtin('96385074')).toBe(true); // EAN-8
    expect(isValidGtin('12345')).toBe(false);
    expect(toGtin14('036000291452')).toBe('00036000291452'); // UPC-A
    expect(() => toGtin14('036000291453')).toThrow('not a valid GTIN');
  });
});

describe('problems', () => {
  it('maps typed errors to RFC 9457 bodies', () => {
    expect(toProblem(new NotFoundError('store', 's1'), '/api/x')).toEqual({
      type: 'urn:storefleet:problem:not-found',
      title: 'Not found',
      status: 404,
      detail: 'store s1 not found',
      entity: 'store',
      id: 's1',
      instance: '/api/x',
    });
    expect(toProblem(new RateLimitedError('slow down', 30))).toMatchObject({ status: 429, retryAfterSeconds: 30 });
  });

  it('never leaks the message of an unexpected error', () => {
    const p = toProblem(new Error('password=hunter2 in connection string'));
    expect(p.status).toBe(500);
    expect(JSON.stringify(p)).not.toContain('hunter2');
  });

  it('names every invalid field', () => {
    const schema = z.object({ sku: z.string(), qty: z.number().int().min(1) });
    try {
      parseOrThrow(schema, { sku: 5, qty: 0 }, 'basket line');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.map((i) => i.path)).toEqual(['sku', 'qty']);
      expect((err as ValidationError).message).toMatch(/^invalid basket line \(sku: .+, \+1 more\)$/);
    }
  });
});

describe('migration planning', () => {
  const f = (module: string, version: number, checksum = 'c'): MigrationFile => ({
    module,
    version,
    name: `m${version}`,
    sql: '',
    checksum,
  });
  it('orders by module as given, then version, skipping applied ones', () => {
    const plan = planMigrations(
      [f('core', 2), f('core', 1), f('inv', 1)],
      [{ module: 'core', version: 1, checksum: 'c' }],
    );
    expect(plan.map((p) => `${p.module}/${p.version}`)).toEqual(['core/2', 'inv/1']);
  });
  it('refuses duplicates and edited history', () => {
    expect(() => planMigrations([f('a', 1), f('a', 1)], [])).toThrow('migration a/1 is defined twice');
    expect(() => planMigrations([f('a', 1, 'new')], [{ module: 'a', version: 1, checksum: 'old' }])).toThrow(
      /was changed after it was applied/,
    );
  });
});
