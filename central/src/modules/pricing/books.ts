import { ConflictError, NotFoundError, UnprocessableError, uuidv7 } from '@storefleet/shared';
import type { HubContext } from '../../kernel/module-contract.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { BooksRepository, type EntryWrite } from './books-repository.js';
import { announce, nextRevision, nextRevisions } from './revision.js';
import type { PriceBook, PriceBookEntry, PriceBookScope, Region } from './types.js';

/** Entries one call writes at most (one transaction). */
export const ENTRIES_PER_CALL = 5_000;

export interface EntryInput {
  readonly sku: string;
  readonly priceMinor: number;
  readonly memberPriceMinor?: number | null;
  readonly from?: number;
  readonly to?: number | null;
}

/** Who reads: head office (every book) or a store's people (the books that apply to their store). */
export type BooksReader = { readonly storeId: string } | null;

/**
 * Regions, price books and their entries: create and rename regions and books (one CHAIN book, one per REGION, one
 * per STORE: the most specific scope wins at a store, so a second book of the same target would only make prices
 * depend on revision order), put entries (≤ ENTRIES_PER_CALL in one transaction, each with its window; an entry of the
 * same sku and start replaces the live one under its id), delete them (tombstones), assign stores to regions. Every
 * change stores reach takes a revision per row and ONE `pricing.changed` notice per transaction.
 */
export class PriceBooks {
  constructor(readonly ctx: HubContext) {}

  regions(): Promise<Region[]> {
    return new BooksRepository(this.ctx.db).regions();
  }

  /** Creates or renames a region (stores hold no region names: nothing to announce). */
  async putRegion(id: string, name: string): Promise<Region> {
    return this.ctx.db.transaction(async (tx) => {
      const repo = new BooksRepository(tx);
      await repo.putRegion(id, name, this.ctx.now());
      return (await repo.region(id))!;
    });
  }

  /** Puts a store in a region (null: none); the store hears and takes its new region's books. */
  async setStoreRegion(
    storeId: string,
    regionId: string | null,
  ): Promise<{ storeId: string; regionId: string | null }> {
    return this.ctx.db.transaction(async (tx) => {
      const repo = new BooksRepository(tx);
      if (!(await repo.storeExists(storeId))) throw new NotFoundError('store', storeId);
      if (regionId !== null && !(await repo.regionExists(regionId)))
        throw new UnprocessableError(`region ${regionId} does not exist`, { field: 'regionId' });
      const revision = await nextRevision(tx);
      await repo.setStoreRegion(storeId, regionId, revision);
      await announce(tx, this.ctx.feed, revision);
      return { storeId, regionId };
    });
  }

  /** The books a reader sees. */
  async list(reader: BooksReader): Promise<PriceBook[]> {
    const repo = new BooksRepository(this.ctx.db);
    if (reader === null) return repo.books(null);
    return repo.books({ storeId: reader.storeId, regionId: await repo.storeRegion(reader.storeId) });
  }

  /** A book the reader may see; another store's book (or another region's) is a 404 as if it did not exist. */
  async get(reader: BooksReader, id: string): Promise<PriceBook> {
    const repo = new BooksRepository(this.ctx.db);
    const book = await repo.book(id);
    if (!book) throw new NotFoundError('price book', id);
    if (reader !== null) {
      const region = await repo.storeRegion(reader.storeId);
      const applies =
        book.scope === 'CHAIN' ||
        (book.scope === 'REGION' && book.regionId === region) ||
        (book.scope === 'STORE' && book.storeId === reader.storeId);
      if (!applies) throw new NotFoundError('price book', id);
    }
    return book;
  }

  async create(input: {
    name: string;
    scope: PriceBookScope;
    storeId?: string | undefined;
    regionId?: string | undefined;
  }): Promise<PriceBook> {
    const storeId = input.scope === 'STORE' ? (input.storeId ?? null) : null;
    const regionId = input.scope === 'REGION' ? (input.regionId ?? null) : null;
    if (input.scope === 'STORE' && storeId === null)
      throw new UnprocessableError('a STORE book names its storeId', { field: 'storeId' });
    if (input.scope === 'REGION' && regionId === null)
      throw new UnprocessableError('a REGION book names its regionId', { field: 'regionId' });
    if (input.scope !== 'STORE' && input.storeId !== undefined)
      throw new UnprocessableError('only a STORE book names a storeId', { field: 'storeId' });
    if (input.scope !== 'REGION' && input.regionId !== undefined)
      throw new UnprocessableError('only a REGION book names a regionId', { field: 'regionId' });
    return this.ctx.db.transaction(async (tx) => {
      const repo = new BooksRepository(tx);
      if (storeId !== null && !(await repo.storeExists(storeId)))
        throw new UnprocessableError(`store ${storeId} does not exist`, { field: 'storeId' });
      if (regionId !== null && !(await repo.regionExists(regionId)))
        throw new UnprocessableError(`region ${regionId} does not exist`, { field: 'regionId' });
      const id = uuidv7(this.ctx.now());
      const ok = await repo.insertBook({
        id,
        name: input.name,
        scope: input.scope,
        storeId,
        regionId,
        currency: await this.ctx.services.get(CATALOG_PRODUCTS).currency(tx),
        createdAt: this.ctx.now(),
      });
      if (!ok)
        throw new ConflictError(
          `there is a ${input.scope} price book for ${storeId ?? regionId ?? 'the chain'} already: add entries to it`,
        );
      return (await repo.book(id))!;
    });
  }

  async rename(id: string, name: string): Promise<PriceBook> {
    return this.ctx.db.transaction(async (tx) => {
      const repo = new BooksRepository(tx);
      if (!(await repo.renameBook(id, name, this.ctx.now()))) throw new NotFoundError('price book', id);
      return (await repo.book(id))!;
    });
  }

  async entries(
    reader: BooksReader,
    bookId: string,
    q: { sku: string | null; after: string | null; limit: number },
  ): Promise<{ entries: PriceBookEntry[]; next: string | null }> {
    await this.get(reader, bookId);
    const entries = await new BooksRepository(this.ctx.db).entries(bookId, q.sku, q.after, q.limit);
    return { entries, next: entries.length === q.limit ? entries.at(-1)!.id : null };
  }

  /**
   * Writes entries in one transaction: every sku must be in the catalog (the call is refused whole, naming the unknown
   * ones), a sku may start only once per call, `from` defaults to now. Each row takes its own revision; one notice.
   */
  async putEntries(bookId: string, input: readonly EntryInput[]): Promise<{ written: number; revision: number }> {
    if (input.length === 0) throw new UnprocessableError('no entries to write', { field: 'entries' });
    if (input.length > ENTRIES_PER_CALL)
      throw new UnprocessableError(`at most ${ENTRIES_PER_CALL} entries a call`, { field: 'entries' });
    const now = this.ctx.now();
    const rows = input.map((e) => ({
      sku: e.sku,
      priceMinor: e.priceMinor,
      memberPriceMinor: e.memberPriceMinor ?? null,
      from: e.from ?? now,
      to: e.to ?? null,
    }));
    const bad = rows.findIndex((e) => e.to !== null && e.to <= e.from);
    if (bad >= 0) throw new UnprocessableError(`entries.${bad}: to must be after from`, { field: `entries.${bad}.to` });
    const seen = new Set<string>();
    for (const [i, e] of rows.entries()) {
      const key = `${e.sku} ${e.from}`;
      if (seen.has(key))
        throw new UnprocessableError(`entries.${i}: ${e.sku} starts at ${e.from} twice in this call`, {
          field: `entries.${i}`,
        });
      seen.add(key);
    }
    const skus = [...new Set(rows.map((e) => e.sku))];
    return this.ctx.db.transaction(async (tx) => {
      const repo = new BooksRepository(tx);
      if (!(await repo.book(bookId))) throw new NotFoundError('price book', bookId);
      const known = await this.ctx.services.get(CATALOG_PRODUCTS).many(skus, tx);
      const unknown = skus.filter((s) => !known.has(s));
      if (unknown.length > 0)
        throw new UnprocessableError(
          `unknown skus (nothing written): ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ` and ${unknown.length - 20} more` : ''}`,
          { field: 'entries', unknownSkus: unknown.slice(0, 100) },
        );
      const revisions = await nextRevisions(tx, rows.length);
      const live = await repo.liveAt(bookId, rows);
      const writes: EntryWrite[] = rows.map((e, i) => ({
        ...e,
        id: live.get(`${e.sku} ${e.from}`) ?? uuidv7(now),
        revision: revisions[i]!,
      }));
      await repo.putEntries(bookId, writes, now);
      const revision = revisions.at(-1)!;
      await announce(tx, this.ctx.feed, revision);
      return { written: writes.length, revision };
    });
  }

  async deleteEntry(bookId: string, entryId: string): Promise<void> {
    await this.ctx.db.transaction(async (tx) => {
      const repo = new BooksRepository(tx);
      if (!(await repo.entryLive(bookId, entryId))) throw new NotFoundError('price book entry', entryId);
      const revision = await nextRevision(tx);
      await repo.deleteEntry(bookId, entryId, revision, this.ctx.now());
      await announce(tx, this.ctx.feed, revision);
    });
  }
}
