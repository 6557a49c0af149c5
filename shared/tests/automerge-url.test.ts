import {
  type AutomergeUrl,
  type BinaryDocumentId,
  parseAutomergeUrl,
  stringifyAutomergeUrl,
} from '@automerge/automerge-repo';
import { describe, expect, it } from 'vitest';
import { automergeUrlForDoc, docIdForAutomergeUrl } from '../src/automerge-url.js';

const customerId = '0192f5a4-7b3c-7d2e-9f10-a1b2c3d4e5f6';

describe('automerge URLs for carts', () => {
  it('names a cart by its customer id’s 16 bytes, as automerge-repo itself would encode them', () => {
    const bytes = Uint8Array.from(
      customerId
        .replace(/-/g, '')
        .match(/../g)!
        .map((h) => parseInt(h, 16)),
    );
    expect(automergeUrlForDoc(`cart:${customerId}`)).toBe(
      stringifyAutomergeUrl({ documentId: bytes as BinaryDocumentId }),
    );
    expect(parseAutomergeUrl(automergeUrlForDoc(`cart:${customerId}`) as AutomergeUrl).binaryDocumentId).toEqual(bytes);
  });

  it('reads the URL back to the same cart, heads ignored, upper-case ids folded', () => {
    const url = automergeUrlForDoc(`cart:${customerId.toUpperCase()}`);
    expect(docIdForAutomergeUrl(url)).toBe(`cart:${customerId}`);
    expect(docIdForAutomergeUrl(`${url}#`)).toBe(`cart:${customerId}`);
  });

  it('gives no URL to a document that is not a cart of a uuid', () => {
    expect(() => automergeUrlForDoc('catalog')).toThrow(/no automerge URL/);
    expect(() => automergeUrlForDoc('cart:walk-in')).toThrow(/no automerge URL/);
  });

  it('reads nothing from a URL that is not bs58check of 16 bytes', () => {
    const good = automergeUrlForDoc(`cart:${customerId}`);
    expect(docIdForAutomergeUrl('cart:whatever')).toBeUndefined();
    expect(docIdForAutomergeUrl('automerge:')).toBeUndefined();
    expect(docIdForAutomergeUrl(`${good.slice(0, -1)}${good.endsWith('1') ? '2' : '1'}`)).toBeUndefined();
    expect(docIdForAutomergeUrl('automerge:0OIl')).toBeUndefined();
    expect(docIdForAutomergeUrl(`automerge:${'z'.repeat(60)}`)).toBeUndefined();
  });
});
