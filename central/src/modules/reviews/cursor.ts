import { z } from 'zod';
import { isUuid, ValidationError } from '@storefleet/shared';
import type { ReviewSort } from './types.js';

/**
 * The opaque `after` cursor of a product's review list: the sort it belongs to and the last row's sort key (its
 * rating or helpful count, created_at, id). The list continues strictly after that key (keyset paging), so reviews
 * added meanwhile never shift a page: no duplicates, no gaps.
 */
export interface ReviewCursor {
  readonly sort: ReviewSort;
  /** The first key of `helpful` (helpful count) and `rating_*` (rating) sorts; 0 for `newest`. */
  readonly key: number;
  readonly createdAt: number;
  readonly id: string;
}

/** The first key's range per sort: what the column can hold (helpful is an int4 count, a rating 1–5, newest none). */
const KEY_RANGE: Record<ReviewSort, readonly [number, number]> = {
  helpful: [0, 2 ** 31 - 1],
  newest: [0, 0],
  rating_high: [1, 5],
  rating_low: [1, 5],
};

const cursorSchema = z.strictObject({
  s: z.enum(['helpful', 'newest', 'rating_high', 'rating_low']),
  k: z.number().int(),
  c: z.number().int().min(0).max(8_640_000_000_000),
  i: z.string().refine(isUuid),
});

export function encodeCursor(c: ReviewCursor): string {
  return Buffer.from(JSON.stringify({ s: c.sort, k: c.key, c: c.createdAt, i: c.id }), 'utf8').toString('base64url');
}

/** The cursor `after` names for `sort`; a 400 for anything else (garbled, too long, another sort's). */
export function decodeCursor(after: string, sort: ReviewSort): ReviewCursor {
  const bad = () => new ValidationError(`invalid query (after: not a cursor of this list sorted by ${sort})`);
  if (after.length > 300 || !/^[A-Za-z0-9_-]+$/.test(after)) throw bad();
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const parsed = cursorSchema.safeParse(raw);
  if (!parsed.success || parsed.data.s !== sort) throw bad();
  const [min, max] = KEY_RANGE[sort];
  if (parsed.data.k < min || parsed.data.k > max) throw bad();
  return { sort, key: parsed.data.k, createdAt: parsed.data.c, id: parsed.data.i.toLowerCase() };
}
