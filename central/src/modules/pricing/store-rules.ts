import {
  exitDoorKey,
  PRICING_STORE_PAGE_MAX,
  type PriceEntryRow,
  type PricingStorePage,
  type PromotionRow,
  type SigningKeyRow,
  UnprocessableError,
} from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import type { HubContext, SnapshotSource } from '../../kernel/module-contract.js';
import { pricingParts } from './index.js';
import { PricingRulesRepository } from './rules-repository.js';

/** Signing keys one page carries at most (the page schema's bound). */
const KEYS_A_PAGE = 100;

type Item =
  | { readonly revision: number; readonly kind: 'price'; readonly row: PriceEntryRow }
  | { readonly revision: number; readonly kind: 'promotion'; readonly row: PromotionRow }
  | { readonly revision: number; readonly kind: 'key'; readonly row: SigningKeyRow }
  | { readonly revision: number; readonly kind: 'used'; readonly row: { couponId: string; revision: number } };

/**
 * What each store holds of pricing: `GET /api/pricing/store-rules?after=&limit=` pages, in revision order, the rows
 * changed after the store's revision that concern it — entries (tombstones too) of the books that apply to it (the
 * chain's, its region's, its own; never another store's or region's), every promotion changed (those that do not run
 * at the store come as tombstones, so an edit that takes the store out of a promotion removes it there), the signing
 * keys, the used coupons. `revision` is what the page brings the store to; `next` is null when it is caught up.
 *
 * A store's region: the page names it (`regionId`). A store that sees a region other than the one it holds drops
 * every REGION-scope entry it holds and pulls again from 0 (its new region's entries, with revisions older than its
 * cursor, come again; rows replace by id). So a region change needs no per-store rows or tombstones at the hub.
 *
 * Revisions commit in order (revision.ts), and the page reads the newest committed revision first and rows up to
 * it only: a store's cursor never passes a row that commits later. Rows that share a revision (a writer that gave
 * several rows one) are never split across pages.
 */
export class StoreRules {
  constructor(readonly ctx: HubContext) {}

  async page(q: Queryable, storeId: string, after: number, limit: number): Promise<PricingStorePage> {
    const bound = Math.max(1, Math.min(Math.floor(limit), PRICING_STORE_PAGE_MAX));
    const repo = new PricingRulesRepository(q);
    const newest = await repo.newest();
    const regionId = await repo.regionOf(storeId);
    const place = { storeId, regionId };
    const items: Item[] = [
      ...(await repo.entriesChanged(place, after, newest, bound + 1)).map(
        (row): Item => ({ revision: row.revision, kind: 'price', row }),
      ),
      ...(await repo.promotionsChanged(place, after, newest, bound + 1)).map(
        ({ row, runsHere }): Item => ({
          revision: row.revision,
          kind: 'promotion',
          row: runsHere ? row : tombstone(row),
        }),
      ),
      ...(await repo.keysChanged(after, newest, Math.min(bound, KEYS_A_PAGE) + 1)).map(
        (row): Item => ({ revision: row.revision, kind: 'key', row }),
      ),
      ...(await repo.usedChanged(after, newest, bound + 1)).map(
        (row): Item => ({ revision: row.revision, kind: 'used', row }),
      ),
    ].sort((a, b) => a.revision - b.revision);
    const taken = takePage(items, bound);
    const more = taken.length < items.length;
    const revision = more ? taken.at(-1)!.revision : Math.max(newest, after);
    return {
      regionId,
      currency: await this.ctx.services.get(CATALOG_PRODUCTS).currency(q),
      prices: taken.flatMap((i) => (i.kind === 'price' ? [i.row] : [])),
      promotions: taken.flatMap((i) => (i.kind === 'promotion' ? [i.row] : [])),
      keys: taken.flatMap((i) => (i.kind === 'key' ? [i.row] : [])),
      usedCoupons: taken.flatMap((i) => (i.kind === 'used' ? [i.row] : [])),
      doorKeys: await this.#doorKeys(storeId),
      revision,
      next: more ? revision : null,
    };
  }

  /**
   * The store's door key for the key this hub signs exit tokens with, derived from its private half (nothing more is
   * kept): on every page, so a store that held the keys before door keys existed gets it on its next pull.
   */
  async #doorKeys(storeId: string): Promise<{ keyId: string; key: string }[]> {
    const keys = pricingParts(this.ctx).keys;
    if (keys.refusal) return []; // a production hub without its keys file signs nothing: the stores' pull goes on
    const signer = await keys.current();
    return [{ keyId: signer.keyId, key: exitDoorKey(signer.privateKey, storeId) }];
  }

  /**
   * The cold start's `pricing` section: the same pages from revision 0, one `PricingStorePage` per row (at most
   * `limit` items in it), keyed by the revision the page brought the store to.
   */
  bootstrap(): SnapshotSource {
    return {
      count: (q) => new PricingRulesRepository(q).rowCount(),
      page: async (q, storeId, after, limit) => {
        if (after !== null && !/^\d{1,16}$/.test(after))
          throw new UnprocessableError('after is not a revision of the pricing section', { field: 'after' });
        const page = await this.page(q, storeId, after === null ? 0 : Number(after), limit);
        return { rows: [page], next: page.next === null ? null : String(page.next) };
      },
    };
  }
}

/** A promotion the store should drop: its row marked deleted, without the places it runs at. */
function tombstone(row: PromotionRow): PromotionRow {
  const { storeIds: _s, regionIds: _r, ...rest } = row;
  return { ...rest, deleted: true };
}

/**
 * The first `bound` items in revision order (at most KEYS_A_PAGE keys), never ending inside a revision whose rows go
 * on past the cut; when one revision alone holds more, that revision's rows come whole.
 */
function takePage(items: readonly Item[], bound: number): Item[] {
  let end = 0;
  let keys = 0;
  while (end < items.length && end < bound) {
    if (items[end]!.kind === 'key' && ++keys > KEYS_A_PAGE) break;
    end++;
  }
  if (end === items.length) return [...items];
  const cutAt = items[end]!.revision;
  let safe = end;
  while (safe > 0 && items[safe - 1]!.revision === cutAt) safe--;
  if (safe > 0) return items.slice(0, safe);
  let whole = end;
  while (whole < items.length && items[whole]!.revision === cutAt) whole++;
  return items.slice(0, Math.min(whole, PRICING_STORE_PAGE_MAX));
}
