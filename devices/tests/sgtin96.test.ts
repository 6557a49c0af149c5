import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSgtin96, encodeSgtin96, EpcError, hexFromTagUri, pureIdentityUri, tagUri } from '../src/index.js';

interface Vector {
  hex: string;
  filter: number;
  partition: number;
  companyPrefix: string;
  itemReference: string;
  serial: string;
  gtin14: string;
  tagUri: string;
  pureIdentityUri: string;
}
const { vectors } = JSON.parse(readFileSync(new URL('./fixtures/sgtin96-vectors.json', import.meta.url), 'utf8')) as {
  vectors: Vector[];
};

describe('SGTIN-96 against the GS1 and public-library vectors', () => {
  it.each(vectors)('$tagUri', (v) => {
    const d = decodeSgtin96(v.hex);
    expect(d).toEqual({
      filter: v.filter,
      partition: v.partition,
      companyPrefix: v.companyPrefix,
      itemReference: v.itemReference,
      serial: v.serial,
      gtin14: v.gtin14,
    });
    expect(tagUri(d)).toBe(v.tagUri);
    expect(pureIdentityUri(d)).toBe(v.pureIdentityUri);
    expect(
      encodeSgtin96({
        gtin14: v.gtin14,
        companyPrefixLength: v.companyPrefix.length,
        serial: v.serial,
        filter: v.filter,
      }),
    ).toBe(v.hex.toUpperCase());
    expect(hexFromTagUri(v.tagUri)).toBe(v.hex.toUpperCase());
  });
});

describe('SGTIN-96 codec', () => {
  it('round-trips any GTIN-14, prefix length, filter and serial', () => {
    const digits = (n: number) =>
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
    fc.assert(
      fc.property(
        digits(13),
        fc.integer({ min: 6, max: 12 }),
        fc.bigInt({ min: 0n, max: (1n << 38n) - 1n }),
        fc.integer({ min: 0, max: 7 }),
        (body, cpLen, serial, filter) => {
          const sum = [...body].reduce((s, c, i) => s + Number(c) * (i % 2 === 0 ? 3 : 1), 0);
          const gtin14 = body + ((10 - (sum % 10)) % 10);
          const hex = encodeSgtin96({ gtin14, companyPrefixLength: cpLen, serial, filter });
          const d = decodeSgtin96(hex);
          expect(d).toMatchObject({ gtin14, filter, serial: serial.toString() });
          expect(d.companyPrefix).toHaveLength(cpLen);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses other headers, reserved partitions, bad GTINs and serials, and never throws anything but EpcError', () => {
    expect(() => decodeSgtin96('E2801160600002054C9A3B4D')).toThrow(/header 0xe2 is not SGTIN-96/); // a TID-style EPC
    expect(() => decodeSgtin96('301C257BF7194E4000001A85')).toThrow(/partition 7 is reserved/);
    expect(() => decodeSgtin96('3074')).toThrow(/24 hex digits/);
    expect(() => encodeSgtin96({ gtin14: '80614141123459', companyPrefixLength: 7, serial: 1 })).toThrow(
      /not a valid GTIN-14/,
    );
    expect(() => encodeSgtin96({ gtin14: '80614141123458', companyPrefixLength: 7, serial: '007' })).toThrow(
      /without leading zeros/,
    );
    expect(() => encodeSgtin96({ gtin14: '80614141123458', companyPrefixLength: 7, serial: 2n ** 38n })).toThrow(
      /serial/,
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        try {
          decodeSgtin96(s);
        } catch (err) {
          expect(err).toBeInstanceOf(EpcError);
        }
      }),
    );
  });
});
