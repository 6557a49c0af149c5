import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub } from '@storefleet/central';
import type { Db } from '../../../central/src/db/db.js';
import { pricingParts } from '../../../central/src/modules/pricing/index.js';
import { against, type Figure, round } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { check } from '../support/check.js';
import { modulesKeepingContext } from '../support/module-context.js';

/** A positive whole number from the environment, else the fallback; anything else stops the run. */
function fromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a whole number ≥ 1, not '${raw}'`);
  return n;
}

const ANCHOR = 'every-store-its-own-copy-of-the-entries';
/** The anchor's batching: stores a transaction. */
const ANCHOR_STORES_A_BATCH = 200;
const PAGE = 2_000;

/**
 * `pricing` part 2 (issue #25): a price change of `BENCH_PRICE_SKUS` skus (default 1,000) on the chain's book reaching
 * `BENCH_STORES` stores (default 5,000 on both databases). Measured: the write (entries kept once at the hub, one
 * `pricing.changed` notice broadcast per store) and then every store's pull after the revision it held, over HTTP as
 * stores do (`GET /api/pricing/store-rules` with the store's own token, `BENCH_PULLS_IN_FLIGHT` at once, default 8)
 * until it holds every changed entry — feed rows, bytes written, bytes sent to stores (`kb_sent_to_stores`, beside
 * the anchor's bytes read back), seconds. Anchor, in the same run on the same entries: a copy
 * of the change in every store's feed (`ctx.feed.append` per store, 200 stores a transaction) and every store reading
 * it back. Checks (exit 1 when one fails): one notice per store, every store's pull holds every entry, every anchor
 * copy holds every entry, and no more rows than the anchor.
 */
export async function pricingFeedFigures(): Promise<Figure[]> {
  const target = benchTargets[0]!;
  const stores = fromEnv('BENCH_STORES', 5_000);
  const skus = fromEnv('BENCH_PRICE_SKUS', 1_000);
  const inFlight = fromEnv('BENCH_PULLS_IN_FLIGHT', 8);
  return withDb(target, async (place) => {
    // A production hub signs coupons only with its keys outside the data and blob folders (signing-keys.ts).
    const keysDir = mkdtempSync(join(tmpdir(), 'sf-bench-pricing-keys-'));
    const { modules, context } = await modulesKeepingContext('pricing');
    const hub = await createHub({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      ...place,
      modules,
      pricingKeysFile: join(keysDir, 'pricing-keys.json'),
    });
    try {
      await hub.start();
      const ctx = context();
      const parts = pricingParts(ctx);
      const db = ctx.db;
      const storeIds = await seedStores(db, stores, ctx.now());
      // Each store pulls with its own credential, as a store node does.
      const tokens = new Map<string, string>();
      for (const id of storeIds) tokens.set(id, (await hub.auth.tokens.issue(id, 1, Date.now(), 6 * 3600)).token);
      const base = hub.url!;
      const skuList = await seedProducts(db, skus, ctx.now());
      const book = await parts.books.create({ name: 'Chain', scope: 'CHAIN' });
      console.error(`  ${stores} stores, ${skus} skus seeded (${target.name})`);
      // every store holds the rules as they are before the change
      let heldRevision = 0;
      for (let i = 0; i < 1_000; i++) {
        const page = await parts.storeRules.page(db, storeIds[0]!, heldRevision, PAGE);
        heldRevision = page.revision;
        if (page.next === null) break;
      }

      // ---- notice + pull
      const entries = skuList.map((sku, i) => ({ sku, priceMinor: 999 - (i % 500), from: ctx.now() }));
      const before = await feedSize(db);
      const t0 = performance.now();
      const written = await parts.books.putEntries(book.id, entries);
      const writeS = (performance.now() - t0) / 1000;
      const after = await feedSize(db);
      let short = 0;
      let pulledBytes = 0;
      let refused = 0;
      const t1 = performance.now();
      await pool(storeIds, inFlight, async (storeId) => {
        let cursor: number | null = heldRevision;
        const got = new Set<string>();
        for (let i = 0; cursor !== null && i < 1_000; i++) {
          // GET /api/pricing/store-rules over HTTP with the store's token: what a store node's puller does.
          const res = await fetch(`${base}/api/pricing/store-rules?after=${cursor}&limit=${PAGE}`, {
            headers: { authorization: `Bearer ${tokens.get(storeId)!}` },
          });
          if (!res.ok) {
            refused++;
            await res.arrayBuffer();
            break;
          }
          const body = Buffer.from(await res.arrayBuffer());
          pulledBytes += body.length;
          const page = JSON.parse(body.toString('utf8')) as { prices: { sku: string }[]; next: number | null };
          for (const e of page.prices) got.add(e.sku);
          cursor = page.next;
        }
        if (got.size !== skus) short++;
      });
      const pullS = (performance.now() - t1) / 1000;
      const notices = after.rows - before.rows;
      const keptBytes = await entriesBytes(db);
      const rows = notices + written.written;
      const bytes = after.bytes - before.bytes + keptBytes;
      console.error(
        `  notice + pull: ${written.written} entries and ${notices} notices written in ${round(writeS, 2)} s, ` +
          `${stores} pulls over HTTP in ${round(pullS, 2)} s (${round(pulledBytes / 1e6)} MB sent to stores)`,
      );

      // ---- the anchor: the same entries copied into every store's feed, then each store reads its copy
      const payload = { entries: entries.map((e) => ({ ...e, bookId: book.id, revision: written.revision })) };
      const t2 = performance.now();
      for (let k = 0; k < storeIds.length; k += ANCHOR_STORES_A_BATCH) {
        const batch = storeIds.slice(k, k + ANCHOR_STORES_A_BATCH);
        await db.transaction(async (tx) => {
          for (const storeId of batch) await ctx.feed.append(tx, storeId, [{ type: 'bench.pricing.entries', payload }]);
        });
      }
      const anchorWriteS = (performance.now() - t2) / 1000;
      let anchorShort = 0;
      let anchorReadBytes = 0;
      const t3 = performance.now();
      await pool(storeIds, inFlight, async (storeId) => {
        const { rows: got } = await db.query<{ payload: { entries: unknown[] } }>(
          "SELECT payload FROM sync_feed WHERE store_id = $1 AND type = 'bench.pricing.entries' ORDER BY seq",
          [storeId],
        );
        for (const r of got) anchorReadBytes += Buffer.byteLength(JSON.stringify(r.payload));
        if (got.reduce((n, r) => n + r.payload.entries.length, 0) !== skus) anchorShort++;
      });
      const anchorReadS = (performance.now() - t3) / 1000;
      const anchor = await feedSize(db, 'bench.pricing.entries');
      console.error(
        `  anchor: ${anchor.rows} feed rows, ${round(anchor.bytes / 1e6)} MB written in ${round(anchorWriteS, 2)} s, ` +
          `read back in ${round(anchorReadS, 2)} s`,
      );

      check(notices === stores, `${notices} notices written for ${stores} stores`);
      check(refused === 0, `${refused} store pulls were refused by the hub`);
      check(short === 0, `${short} of ${stores} stores' pulls did not hold every changed entry`);
      check(anchorShort === 0, `${anchorShort} of ${stores} stores' anchor copies did not hold every entry`);
      check(rows <= anchor.rows + skus, `rows written ${rows} are more than the anchor's ${anchor.rows} + ${skus}`);

      const fig = { bench: 'pricing', db: target.name, n: stores };
      return [
        against(
          { ...fig, metric: 'kb_sent_to_stores', value: pulledBytes / 1e3, unit: 'KB' },
          ANCHOR,
          anchorReadBytes / 1e3,
          false,
        ),
        { ...fig, metric: 'anchor_kb_sent_to_stores', value: round(anchorReadBytes / 1e3), unit: 'KB' },
        against({ ...fig, metric: 'feed_rows_written', value: notices, unit: 'rows' }, ANCHOR, anchor.rows, false),
        { ...fig, metric: 'anchor_feed_rows_written', value: anchor.rows, unit: 'rows' },
        { ...fig, metric: 'rows_written', value: rows, unit: 'rows' },
        against({ ...fig, metric: 'kb_written', value: bytes / 1e3, unit: 'KB' }, ANCHOR, anchor.bytes / 1e3, false),
        { ...fig, metric: 'anchor_kb_written', value: round(anchor.bytes / 1e3), unit: 'KB' },
        { ...fig, metric: 'write_s', value: round(writeS, 3), unit: 's' },
        against(
          { ...fig, metric: 'change_to_fleet_s', value: writeS + pullS, unit: 's' },
          ANCHOR,
          anchorWriteS + anchorReadS,
          false,
        ),
        { ...fig, metric: 'anchor_change_to_fleet_s', value: round(anchorWriteS + anchorReadS, 2), unit: 's' },
        { ...fig, metric: 'skus_changed', value: skus, unit: 'skus' },
      ];
    } finally {
      await hub.stop();
      rmSync(keysDir, { recursive: true, force: true });
    }
  });
}

/** `n` store rows (tokens are issued directly; the feed writer feeds every STORE location). */
async function seedStores(db: Db, n: number, now: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  for (let k = 0; k < n; k += 1_000) {
    await db.query(
      `INSERT INTO locations (id, code, name, kind, lat, lon, secret_hash, created_at, updated_at)
       SELECT id, 'PRB-' || (n + $2)::text, 'Store ' || (n + $2)::text, 'STORE', 40.7, -74, 'unused', $3, $3
       FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, n)`,
      [ids.slice(k, k + 1_000), k, now],
    );
  }
  return ids;
}

async function seedProducts(db: Db, n: number, now: number): Promise<string[]> {
  const skus = Array.from({ length: n }, (_, i) => `PRB-${String(i).padStart(6, '0')}`);
  for (let k = 0; k < n; k += 5_000) {
    await db.query(
      `INSERT INTO catalog_products (sku, name, category, price_minor, tax_class, updated_at)
       SELECT sku, 'Product ' || sku, 'bench', 1000, 'STANDARD', $2 FROM unnest($1::text[]) AS x(sku)`,
      [skus.slice(k, k + 5_000), now],
    );
  }
  return skus;
}

async function feedSize(db: Db, type?: string): Promise<{ rows: number; bytes: number }> {
  const { rows } = await db.query<{ n: number; bytes: string }>(
    `SELECT count(*)::int AS n, coalesce(sum(octet_length(payload::text)), 0)::text AS bytes FROM sync_feed
     WHERE $1::text IS NULL OR type = $1`,
    [type ?? null],
  );
  return { rows: rows[0]!.n, bytes: Number(rows[0]!.bytes) };
}

/** The entries kept once at the hub, as JSON text (what the pull serves from). */
async function entriesBytes(db: Db): Promise<number> {
  const { rows } = await db.query<{ bytes: string }>(
    'SELECT coalesce(sum(octet_length(row_to_json(e)::text)), 0)::text AS bytes FROM pricing_entries e',
  );
  return Number(rows[0]!.bytes);
}

/** Runs `each` over `items`, `n` at a time. */
async function pool<T>(items: readonly T[], n: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await each(items[next++]!);
    }),
  );
}
