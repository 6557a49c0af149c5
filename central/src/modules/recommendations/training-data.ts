import type { HubContext } from '../../kernel/module-contract.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { PRODUCT_TAGS } from '../../kernel/ports/tags.js';
import { ModelRepository } from './model-repository.js';
import { productTokens } from './models/content.js';
import { KIND_CODES, type TrainData } from './train-worker.js';

/** Interactions one training run reads at most (the newest): 13 bytes each in its arrays, ~65 MB. */
export const MAX_TRAINING_INTERACTIONS = 5_000_000;
/** Rows read per statement: interactions, and catalog products (the ports' limit is 1,000 skus a call). */
const INTERACTIONS_A_PAGE = 10_000;
const PRODUCTS_A_PAGE = 1_000;

/** The data a run trains on, with the dense indices' ids (customer k is `customers[k]`, item i is `skus[i]`). */
export interface TrainingInput {
  readonly data: TrainData;
  readonly customers: readonly string[];
  readonly skus: readonly string[];
  readonly stores: readonly string[];
  readonly categories: readonly string[];
  readonly counts: {
    readonly interactions: number;
    /** Interactions with a sku the catalog does not hold (withdrawn, or never there): left out. */
    readonly unknownSkus: number;
    /** Set when there were more interactions than a run reads: only the newest this many were read. */
    readonly cappedAt?: number;
  };
}

/**
 * Reads what training learns from: the whole catalog (changed skus paged from version 0, then each page's products;
 * their tags when the tags module is there), and the interactions at `since` or later, paged by id. Ids become dense
 * indices as they are read, and interactions are kept as four typed arrays (13 bytes each), not as row objects.
 */
export async function readTrainingInput(
  ctx: HubContext,
  since: number,
  signal: AbortSignal,
  maxInteractions = MAX_TRAINING_INTERACTIONS,
): Promise<TrainingInput> {
  const catalog = ctx.services.get(CATALOG_PRODUCTS);
  const tags = ctx.services.find(PRODUCT_TAGS);
  const skus: string[] = [];
  const itemOf = new Map<string, number>();
  const categories: string[] = [];
  const categoryOf = new Map<string, number>();
  const itemCategory: number[] = [];
  const tokens: string[][] = [];
  for (let after = 0; ; ) {
    signal.throwIfAborted();
    const changed = await catalog.changedSkus(after, PRODUCTS_A_PAGE);
    if (changed.length === 0) break;
    after = changed.at(-1)!.version;
    const page = changed.map((c) => c.sku);
    const [products, tagNames] = await Promise.all([catalog.many(page), tags?.namesOf(page) ?? new Map()]);
    for (const p of products.values()) {
      if (itemOf.has(p.sku)) continue;
      let c = categoryOf.get(p.category);
      if (c === undefined) {
        c = categories.length;
        categories.push(p.category);
        categoryOf.set(p.category, c);
      }
      itemOf.set(p.sku, skus.length);
      skus.push(p.sku);
      itemCategory.push(c);
      tokens.push(productTokens({ ...p, tags: tagNames.get(p.sku) ?? [] }));
    }
    if (changed.length < PRODUCTS_A_PAGE) break;
  }

  const repo = new ModelRepository(ctx.db);
  const customers: string[] = [];
  const customerOf = new Map<string, number>();
  const stores: string[] = [];
  const storeOf = new Map<string, number>();
  const index = (id: string, ids: string[], of: Map<string, number>) => {
    let k = of.get(id);
    if (k === undefined) {
      k = ids.length;
      ids.push(id);
      of.set(id, k);
    }
    return k;
  };
  const pages: { c: Int32Array; i: Int32Array; k: Uint8Array; s: Int32Array }[] = [];
  let total = 0;
  let unknownSkus = 0;
  // a run's memory and time are bounded: past the cap only the newest interactions are read
  const capStart = await repo.capStart(since, maxInteractions);
  for (let after = capStart ?? 0; ; ) {
    signal.throwIfAborted();
    const rows = await repo.interactionsAfter(after, since, INTERACTIONS_A_PAGE);
    if (rows.length === 0) break;
    after = rows.at(-1)!.id;
    const page = {
      c: new Int32Array(rows.length),
      i: new Int32Array(rows.length),
      k: new Uint8Array(rows.length),
      s: new Int32Array(rows.length),
    };
    let n = 0;
    for (const r of rows) {
      const item = itemOf.get(r.sku);
      if (item === undefined) {
        unknownSkus++;
        continue;
      }
      page.c[n] = r.customerId === null ? -1 : index(r.customerId, customers, customerOf);
      page.i[n] = item;
      page.k[n] = KIND_CODES[r.kind];
      page.s[n] = r.storeId === null ? -1 : index(r.storeId, stores, storeOf);
      n++;
    }
    pages.push({
      c: page.c.subarray(0, n),
      i: page.i.subarray(0, n),
      k: page.k.subarray(0, n),
      s: page.s.subarray(0, n),
    });
    total += n;
    if (rows.length < INTERACTIONS_A_PAGE) break;
  }
  const joined = {
    customers: new Int32Array(total),
    items: new Int32Array(total),
    kinds: new Uint8Array(total),
    stores: new Int32Array(total),
  };
  let at = 0;
  for (const p of pages) {
    joined.customers.set(p.c, at);
    joined.items.set(p.i, at);
    joined.kinds.set(p.k, at);
    joined.stores.set(p.s, at);
    at += p.c.length;
  }
  return {
    data: {
      nCustomers: customers.length,
      nItems: skus.length,
      nStores: stores.length,
      nCategories: categories.length,
      ...joined,
      itemCategory: Int32Array.from(itemCategory),
      tokens,
    },
    customers,
    skus,
    stores,
    categories,
    counts: { interactions: total, unknownSkus, ...(capStart === null ? {} : { cappedAt: maxInteractions }) },
  };
}
