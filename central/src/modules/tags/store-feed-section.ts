import type { TagsPullRow } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { TagsRepository } from './repository.js';
import { TagsStoreFeedRepository } from './store-feed-repository.js';

/** A position in the section's order: (version, 0 for a tag / 1 for a product, tag id / product number). */
export interface SectionCursor {
  readonly version: number;
  readonly kind: 0 | 1;
  readonly id: number;
}

interface Keyed {
  readonly key: SectionCursor;
  readonly row: TagsPullRow;
}
const before = (a: SectionCursor, b: SectionCursor) =>
  a.version !== b.version ? a.version < b.version : a.kind !== b.kind ? a.kind < b.kind : a.id < b.id;

/**
 * One page of the `tags` section after `after`: tag rows (tombstones included) and product rows, merged in
 * (version, tags first, id) order, at most `limit`. `next` is the last row's position when the page is full.
 */
export async function sectionPage(
  q: Queryable,
  after: SectionCursor,
  limit: number,
): Promise<{ rows: TagsPullRow[]; next: string | null }> {
  // after a product row of version V every tag of V is behind: start after V's last possible tag id
  const tagRows = await new TagsStoreFeedRepository(q).tagsChangedAfter(
    after.version,
    after.kind === 0 ? after.id : 2_147_483_647,
    limit,
  );
  const products = await new TagsRepository(q).productsChangedAfter(
    after.version,
    after.kind === 0 ? 0 : after.id,
    limit,
  );
  const tags: Keyed[] = tagRows.map((t) => ({
    key: { version: t.version, kind: 0, id: t.id },
    row: {
      kind: 'tag',
      id: t.id,
      slug: t.slug,
      name: t.name,
      tagKind: t.kind,
      parentId: t.parentId,
      path: t.path,
      deleted: t.deleted,
      version: t.version,
      updatedAt: t.updatedAt,
    },
  }));
  const prods: Keyed[] = products.map((p) => ({
    key: { version: p.version, kind: 1, id: p.productNo },
    row: { kind: 'product', sku: p.sku, tagIds: p.tagIds, version: p.version, updatedAt: p.updatedAt },
  }));
  const merged: Keyed[] = [];
  let i = 0;
  let j = 0;
  while (merged.length < limit && (i < tags.length || j < prods.length)) {
    if (j >= prods.length || (i < tags.length && before(tags[i]!.key, prods[j]!.key))) merged.push(tags[i++]!);
    else merged.push(prods[j++]!);
  }
  const last = merged.at(-1);
  return {
    rows: merged.map((m) => m.row),
    next: merged.length === limit && last ? `${last.key.version}:${last.key.kind}:${last.key.id}` : null,
  };
}
