import { z } from 'zod';
import { skuSchema } from '../validation.js';

/**
 * Tags (issue #20) on the wire between hub and store. The hub broadcasts a small notice, `tags.changed {version}`, to
 * every store's feed when tags or product tags change (the same pattern as `catalog.changed`: one feed row per store
 * per change, never one per product); a store behind that version pulls the changed rows from the hub's `tags`
 * bootstrap section, page by page, each row checked with `tagsPullRowSchema` before it is written.
 */

/**
 * A tag's slug: 1–64 lowercase letters, digits, `-` and `_`, starting with a letter or a digit (the query language's
 * `tag:` form names it; `-` or `--x` would read as NOT in a query). The query language's own slug pattern is looser,
 * for parsing; a tag is only made with this one.
 */
export const TAG_SLUG_RULE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const tagSlugSchema = z.string().regex(TAG_SLUG_RULE);
/** What a tag is for; the console groups by it. */
export const TAG_KINDS = ['CATEGORY', 'ATTRIBUTE', 'PROMOTION', 'SEASONAL'] as const;
export type TagKind = (typeof TAG_KINDS)[number];
/** A tag in the tree, as the hub's API and a store's copy both show it (the hub's adds its bookkeeping). */
export interface TagNode {
  readonly id: number;
  readonly slug: string;
  readonly name: string;
  readonly kind: TagKind;
  readonly parentId: number | null;
  /** Slugs from the root, dot-separated: `electronics.mobile.smartphones`. */
  readonly path: string;
  readonly depth: number;
}

/** A tag's place: slugs from the root, dot-separated (`electronics.mobile.smartphones`), at most 16 levels. */
export const tagPathSchema = z
  .string()
  .max(16 * 65)
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}(\.[a-z0-9][a-z0-9_-]{0,63}){0,15}$/);

const version = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const tagId = z.number().int().min(1).max(2_147_483_647);
const epochMs = z.number().int().min(0).max(8_640_000_000_000);

/** `tags.changed` (to every store): tags are at `version`; a store behind it pulls the changes. */
export const tagsChangedSchema = z.strictObject({ version: version.min(1) });
export type TagsChanged = z.infer<typeof tagsChangedSchema>;

/** A tag as a store holds it; `deleted` tombstones tell a store to drop one. */
export const tagRowSchema = z.strictObject({
  kind: z.literal('tag'),
  id: tagId,
  slug: tagSlugSchema,
  name: z.string().min(1).max(120),
  tagKind: z.enum(TAG_KINDS),
  parentId: tagId.nullable(),
  path: tagPathSchema,
  deleted: z.boolean(),
  version,
  updatedAt: epochMs,
});
export type TagRow = z.infer<typeof tagRowSchema>;

/** A product's tags (the ones given to it; ancestors are implied in search, not listed). Empty: untagged now. */
export const productTagsRowSchema = z.strictObject({
  kind: z.literal('product'),
  sku: skuSchema,
  tagIds: z.array(tagId).max(500).readonly(),
  version,
  updatedAt: epochMs,
});
export type ProductTagsRow = z.infer<typeof productTagsRowSchema>;

/**
 * One row of the hub's `tags` bootstrap section: tags first then products within a version, oldest version first
 * (the section's cursor is opaque to the store; it hands back the `next` it got).
 */
export const tagsPullRowSchema = z.discriminatedUnion('kind', [tagRowSchema, productTagsRowSchema]);
export type TagsPullRow = z.infer<typeof tagsPullRowSchema>;

export const tagsFeedSchemas = { 'tags.changed': tagsChangedSchema } as const;
