import type { JobHandle } from '../../kernel/jobs/types.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { TagsRepository } from './repository.js';

const NUMBER_CATALOG_JOB = 'tags.number-catalog';
/** How often the catalog is looked at for products without a number (one run per period across hubs). */
export const NUMBER_CATALOG_EVERY_MS = 5_000;
/** Catalog products read, and numbered at one tags version, per transaction. */
export const NUMBER_CATALOG_PAGE = 5_000;

/**
 * Gives every catalog product a product number (an untagged tag_products row), so the index's all() is the whole
 * catalog and `NOT x` means every catalog product without x, as a store answers it. Pages through the catalog's
 * products changed after the version last numbered; a page's new skus are numbered under the tags write lock at one
 * new tags version, announced to the replicas (whose index follows rows with empty tags into all()), and the page's
 * last catalog version is kept in the same transaction — so a crash or a timeout resumes where the last page ended,
 * and two runs never number the same page twice.
 */
export async function numberCatalog(ctx: HubContext, signal?: AbortSignal, job?: JobHandle): Promise<number> {
  const catalog = ctx.services.get(CATALOG_PRODUCTS);
  const started = performance.now();
  let total = 0;
  let pages = 0;
  for (;;) {
    if (signal?.aborted) break;
    // the catalog is read outside the transaction (PGlite has one connection: a read beside an open transaction
    // would wait for it), then the page is numbered only if no other run advanced the row meanwhile
    const from = (await new TagsRepository(ctx.db).catalogNumbering()).catalogVersion;
    const changed = await catalog.changedSkus(from, NUMBER_CATALOG_PAGE);
    if (changed.length === 0) break;
    const page = await ctx.db.transaction(async (tx) => {
      const repo = new TagsRepository(tx);
      await repo.lockForWrite();
      if ((await repo.catalogNumbering()).catalogVersion !== from) return { read: NUMBER_CATALOG_PAGE, numbered: 0 }; // again
      const skus = changed.map((c) => c.sku);
      const known = await repo.productNumbers(skus);
      const fresh = skus.filter((s) => !known.has(s));
      if (fresh.length) {
        const version = await repo.takeVersion();
        await repo.numberSkus(fresh, version, ctx.now());
        await repo.notify(version);
      }
      await repo.advanceCatalogNumbering(changed.at(-1)!.version, fresh.length, ctx.now());
      return { read: changed.length, numbered: fresh.length };
    });
    total += page.numbered;
    pages++;
    if (pages % 20 === 0) {
      const s = (performance.now() - started) / 1000;
      const message = `numbered ${total.toLocaleString('en')} catalog products in ${s.toFixed(1)} s`;
      ctx.log.info({ numbered: total, seconds: s }, `tags: ${message}`);
      await job?.progress(total, null, message);
    }
    if (page.read < NUMBER_CATALOG_PAGE) break;
  }
  if (total > 0) {
    const s = (performance.now() - started) / 1000;
    ctx.log.info({ numbered: total, seconds: s }, `tags: numbered ${total} new catalog products in ${s.toFixed(1)} s`);
  }
  return total;
}

/** Defines the job and schedules it (every 5 s across the hubs, the first run at once). Call from the module's start. */
export async function startCatalogNumbering(ctx: HubContext): Promise<void> {
  ctx.jobs.define({
    name: NUMBER_CATALOG_JOB,
    run: async (job) => void (await numberCatalog(ctx, job.signal, job)),
    // a first numbering of millions of products outlasts a period; each page commits where it got to, so a run cut
    // short (stop, lease lost) is resumed by the next one
    timeoutMs: Number.POSITIVE_INFINITY,
  });
  await ctx.jobs.schedule(NUMBER_CATALOG_JOB, { everyMs: NUMBER_CATALOG_EVERY_MS, firstAfterMs: 0 });
}
