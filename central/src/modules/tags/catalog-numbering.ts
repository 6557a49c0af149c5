import type { Queryable } from '../../db/db.js';
import type { JobHandle } from '../../kernel/jobs/types.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { TagsRepository } from './repository.js';

const NUMBER_CATALOG_JOB = 'tags.number-catalog';
/** How often the catalog is looked at for products without a number (one run per period across hubs). */
export const NUMBER_CATALOG_EVERY_MS = 5_000;
/** Catalog products read, and numbered at one tags version, per transaction. */
export const NUMBER_CATALOG_PAGE = 5_000;

/** The job's row (schema/004): the catalog version numbered up to, and how many products it has numbered. */
class NumberingRow {
  constructor(readonly db: Queryable) {}

  async read(): Promise<{ catalogVersion: number; numbered: number }> {
    const { rows } = await this.db.query<{ v: string; n: string }>(
      'SELECT catalog_version::text AS v, numbered::text AS n FROM tag_catalog_numbering WHERE id = 1',
    );
    return { catalogVersion: Number(rows[0]?.v ?? 0), numbered: Number(rows[0]?.n ?? 0) };
  }

  async advance(catalogVersion: number, numbered: number, now: number): Promise<void> {
    await this.db.query(
      'UPDATE tag_catalog_numbering SET catalog_version = $1, numbered = numbered + $2, updated_at = $3 WHERE id = 1',
      [catalogVersion, numbered, now],
    );
  }
}

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
    const from = (await new NumberingRow(ctx.db).read()).catalogVersion;
    const changed = await catalog.changedSkus(from, NUMBER_CATALOG_PAGE);
    if (changed.length === 0) break;
    const page = await ctx.db.transaction(async (tx) => {
      const repo = new TagsRepository(tx);
      await repo.lockForWrite();
      const row = new NumberingRow(tx);
      if ((await row.read()).catalogVersion !== from) return { read: NUMBER_CATALOG_PAGE, numbered: 0 }; // again
      const skus = changed.map((c) => c.sku);
      const known = await repo.productNumbers(skus);
      const fresh = skus.filter((s) => !known.has(s));
      if (fresh.length) {
        const version = await repo.takeVersion();
        await repo.numberSkus(fresh, version, ctx.now());
        await repo.notify(version);
      }
      await row.advance(changed.at(-1)!.version, fresh.length, ctx.now());
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
