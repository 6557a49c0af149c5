import { Transform, type TransformCallback } from 'node:stream';

/** How much of a document's text feeds full-text search: the first megabyte (the rest is stored, not indexed). */
export const VAULT_TEXT_LIMIT_BYTES = 1024 * 1024;

const TEXT_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/xhtml+xml',
  'application/csv',
  'application/x-ndjson',
]);

/** The bare `type/subtype` of a media type, lower-cased (parameters dropped). */
export const baseMediaType = (mediaType: string): string => mediaType.split(';')[0]!.trim().toLowerCase();

/** Whether full-text search reads this type's content: text/*, JSON, XML, CSV, markdown (any `+json`/`+xml` too). */
export function isTextLike(mediaType: string): boolean {
  const t = baseMediaType(mediaType);
  return t.startsWith('text/') || TEXT_TYPES.has(t) || t.endsWith('+json') || t.endsWith('+xml');
}

const isMarkup = (mediaType: string) => {
  const t = baseMediaType(mediaType);
  return t === 'text/html' || t.endsWith('xml');
};

/**
 * A pass-through for an upload that keeps a copy of its first `limit` bytes (text-like types only; others pass
 * untouched and keep nothing), so the text is read from the same single pass as the encryption, never the whole file.
 */
export class TextTee extends Transform {
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  readonly #limit: number;
  constructor(
    readonly mediaType: string,
    limit = VAULT_TEXT_LIMIT_BYTES,
  ) {
    super();
    this.#limit = isTextLike(mediaType) ? limit : 0;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.#kept < this.#limit) {
      const part = chunk.subarray(0, this.#limit - this.#kept);
      this.#chunks.push(Buffer.from(part));
      this.#kept += part.length;
    }
    done(null, chunk);
  }
  /** The text kept (null for a type that is not text-like), decoded as UTF-8 (a bad byte becomes U+FFFD). */
  text(): string | null {
    if (this.#limit === 0) return null;
    return textOf(Buffer.concat(this.#chunks), this.mediaType);
  }
}

/**
 * Bytes as indexable text: UTF-8 that tolerates bad bytes and a cut at the end, NUL removed (Postgres text refuses it),
 * and for HTML/XML the tags stripped so that markup is not found as words.
 */
export function textOf(bytes: Buffer, mediaType: string): string {
  let text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what Postgres text cannot hold
  text = text.replace(/\u0000/g, ' ');
  if (isMarkup(mediaType))
    text = text
      .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<[^>]*>/g, ' ')
      .replace(/&(amp|lt|gt|quot|apos|nbsp);/g, ' ');
  return text;
}
