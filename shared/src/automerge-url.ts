import bs58check from 'bs58check';
import { isUuid } from './ids.js';

/**
 * automerge-repo names a document by a DocumentId: bs58check (base58 of the bytes followed by the first four bytes of
 * their double SHA-256) of 16 bytes, usually a random UUID. The hub names a cart `cart:<customerId>` and customer ids
 * are UUIDs, so the customer id's own 16 bytes are the DocumentId: the mapping needs no table and is the same on the
 * hub, in the web app and in tests. Only carts are offered to automerge-repo clients; any other hub document has no URL.
 */

/** The DocumentId form automerge-repo sends on the wire (bs58check text, without the `automerge:` prefix). */
export type AutomergeDocumentId = string & { readonly __brand: 'AutomergeDocumentId' };

/** A document's URL as automerge-repo's `repo.find(url)` takes it: `automerge:<DocumentId>`. */
export type AutomergeUrl = `automerge:${string}`;

const URL_PREFIX = 'automerge:';
const CART_PREFIX = 'cart:';

function uuidToBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function bytesToUuid(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The DocumentId of a hub document, or undefined for a document automerge-repo clients are not offered. */
export function automergeDocumentIdForDoc(docId: string): AutomergeDocumentId | undefined {
  if (!docId.startsWith(CART_PREFIX)) return undefined;
  const customerId = docId.slice(CART_PREFIX.length);
  if (!isUuid(customerId)) return undefined;
  return bs58check.encode(uuidToBytes(customerId.toLowerCase())) as AutomergeDocumentId;
}

/**
 * The URL an automerge-repo client opens a hub document by (`repo.find(url)`). Throws for a document that has none
 * (anything but `cart:<uuid>`): a caller asking is a programming error, not bad input.
 */
export function automergeUrlForDoc(docId: string): AutomergeUrl {
  const documentId = automergeDocumentIdForDoc(docId);
  if (!documentId)
    throw new Error(`document ${docId} has no automerge URL: only carts (cart:<customer uuid>) have one`);
  return `${URL_PREFIX}${documentId}`;
}

/**
 * The hub document a DocumentId names, or undefined when it is not valid bs58check of 16 bytes. Any 16 bytes read as a
 * cart id: whether that cart exists, and whether the caller may open it, is the hub's question, not this one's.
 */
export function docIdForAutomergeDocumentId(documentId: string): string | undefined {
  if (documentId.length === 0 || documentId.length > 40) return undefined;
  let bytes: Uint8Array | undefined;
  try {
    bytes = bs58check.decodeUnsafe(documentId);
  } catch {
    return undefined;
  }
  if (bytes?.length !== 16) return undefined;
  return `${CART_PREFIX}${bytesToUuid(bytes)}`;
}

/** The hub document an automerge URL names (`automerge:<DocumentId>`, heads after `#` ignored), or undefined. */
export function docIdForAutomergeUrl(url: string): string | undefined {
  if (!url.startsWith(URL_PREFIX)) return undefined;
  const [documentId] = url.slice(URL_PREFIX.length).split('#');
  return docIdForAutomergeDocumentId(documentId ?? '');
}
