import {
  asSaleNumber,
  NotFoundError,
  saleCompletedSchema,
  saleReturnedSchema,
  saleVoidedSchema,
  ValidationError,
} from '@storefleet/shared';
import type { AppliedEvent, HandlerResult } from '../../kernel/event-handlers.js';
import type { SalePurchases } from './purchases.js';
import type { SalesRepository } from './repository.js';
import { ReturnJudge, type SaleFacts } from './return-checks.js';
import {
  addDays,
  completedRow,
  firstPerId,
  localDay,
  parseRun,
  returnRow,
  voidedRow,
  zoneOrUtc,
  type Refusal,
} from './sales-rules.js';
import type { DailyQuery, DailyTotals, LocalDay, NewReturn, NewSale, SaleLookup, SaleStatus } from './types.js';

/** The longest span one daily query may cover. */
const MAX_DAYS = 366;
/** UTC+14: the first zone to reach a new date, so the default window holds every store's today. */
const EARLIEST_ZONE = 'Pacific/Kiritimati';
/** How many stores' sales one lookup of an id lists, and how many returns in all. */
const MAX_MATCHES = 100;
const MAX_RETURNS = 1_000;
/**
 * How many returns of one store may wait (PENDING) for sales the hub has not seen. A store's returns wait only while
 * their sale's event is on its way or parked, a few at a time; a store sending returns of sales it never reports would
 * otherwise grow the ledger without end. Past this a new one is parked, to be replayed once its sale arrives.
 */
export const MAX_PENDING_RETURNS = 10_000;

/** A daily query as a caller asks it: the days are optional. */
export type DailyRequest = Omit<DailyQuery, 'from' | 'to'> & {
  readonly from: LocalDay | null;
  readonly to: LocalDay | null;
};

const bySeq = (a: Refusal, b: Refusal) => a.seq - b.seq;
const unique = (ids: readonly string[]) => [...new Set(ids)];

/**
 * The fleet's sales ledger. The sync handlers get a run of one store's events of one type inside the hub's apply
 * transaction: each payload is validated with its shared schema (a bad one is refused alone, the reason naming the
 * field), the rest are written in one statement that also adds them to their days' totals. Counting is idempotent by
 * the store's sale and return ids, so a sale sent twice under two seqs counts once.
 *
 * A return is judged against the store's sale of its id (return-checks.ts): one that does not fit a sale the ledger
 * holds is parked; one whose sale is not held yet is kept PENDING, out of the totals, and judged when the sale
 * arrives — then counted on its own day, or marked REFUSED with the reason (its event was acked long before, so it
 * cannot be parked; it is shown with the sale instead). Each run costs a fixed number of statements, whatever its size.
 */
export class SalesService {
  constructor(
    /** A repository on the hub's database, for reads. */
    readonly repo: () => SalesRepository,
    readonly now: () => number,
    /** Told of the completed sales of each run, in its transaction (a customer's card: recommendations' purchases). */
    readonly purchases?: SalePurchases,
  ) {}

  async applyCompleted(repo: SalesRepository, events: readonly AppliedEvent[]): Promise<HandlerResult> {
    const { valid, refused } = parseRun(saleCompletedSchema, events);
    const result = await this.#applySales(repo, events, refused, 'COMPLETED', (zone) =>
      valid.map((v) => completedRow(v.data, v.seq, zone)),
    );
    if (this.purchases && valid.length) {
      // the sales that stand as completed: not refused (one the ledger holds as voided), the first report of each id
      const refusedSeqs = new Set(result.rejected?.map((r) => r.seq));
      const standing = firstPerId(
        valid.filter((v) => !refusedSeqs.has(v.seq)),
        (v) => v.data.saleId,
      );
      await this.purchases(
        repo.db,
        events[0]!.origin,
        standing.map((v) => v.data),
      );
    }
    return result;
  }

  applyVoided(repo: SalesRepository, events: readonly AppliedEvent[]): Promise<HandlerResult> {
    const { valid, refused } = parseRun(saleVoidedSchema, events);
    return this.#applySales(repo, events, refused, 'VOIDED', (zone) =>
      valid.map((v) => voidedRow(v.data, v.seq, zone)),
    );
  }

  async applyReturned(repo: SalesRepository, events: readonly AppliedEvent[]): Promise<HandlerResult> {
    const { valid, refused } = parseRun(saleReturnedSchema, events);
    if (!valid.length) return { rejected: refused.sort(bySeq) };
    const storeId = events[0]!.origin;
    const zone = zoneOrUtc(await repo.storeTimezone(storeId));
    const claims = firstPerId(
      valid.map((v) => returnRow(v.data, v.seq, zone, 'PENDING')),
      (r) => r.returnId,
    );
    const sales = await repo.saleFacts(storeId, unique(claims.map((c) => c.saleId)));
    const held = await repo.returnsFor(
      storeId,
      sales.map((s) => s.saleId),
      claims.map((c) => c.returnId),
    );
    const heldIds = new Set(held.map((h) => h.returnId));
    const judge = new ReturnJudge(
      sales,
      held.filter((h) => h.status === 'COUNTED'),
    );
    const rows: NewReturn[] = [];
    let waiting: number | null = null; // the store's PENDING returns, read once the run has one more
    for (const c of claims) {
      if (heldIds.has(c.returnId)) continue; // sent before: the first one stands
      const verdict = judge.judge(c);
      if (verdict.status === 'REFUSED') {
        refused.push({ seq: c.originSeq, reason: verdict.reason });
        continue;
      }
      if (verdict.status === 'PENDING') {
        waiting ??= await repo.pendingCount(storeId, MAX_PENDING_RETURNS);
        if (waiting >= MAX_PENDING_RETURNS) {
          refused.push({
            seq: c.originSeq,
            reason: `return ${c.returnId} of sale ${c.saleId}: too many returns wait for sales this hub has not seen (${MAX_PENDING_RETURNS}); it is parked until its sale arrives`,
          });
          continue;
        }
        waiting++;
      }
      rows.push({ ...c, status: verdict.status });
    }
    await repo.insertReturns(storeId, rows, this.now());
    return { rejected: refused.sort(bySeq) };
  }

  /** Judges the store's returns that were waiting for these sales, just written; in the same transaction. */
  async #settlePending(repo: SalesRepository, storeId: string, sales: readonly SaleFacts[]): Promise<void> {
    const held = await repo.returnsFor(
      storeId,
      sales.map((s) => s.saleId),
    );
    const pending = held.filter((h) => h.status === 'PENDING');
    if (!pending.length) return;
    const judge = new ReturnJudge(
      sales,
      held.filter((h) => h.status === 'COUNTED'),
    );
    const verdicts = pending.map((p) => {
      const v = judge.judge(p);
      return v.status === 'REFUSED'
        ? { returnId: p.returnId, status: v.status, reason: v.reason }
        : { returnId: p.returnId, status: 'COUNTED' as const, reason: null };
    });
    await repo.settleReturns(storeId, verdicts, this.now());
  }

  /**
   * Writes sales of one status. A sale id the ledger holds under the other status (a basket reported voided that was
   * also reported paid) is refused: the first report stands and the contradiction is parked for someone to look at.
   */
  async #applySales(
    repo: SalesRepository,
    events: readonly AppliedEvent[],
    refused: Refusal[],
    status: SaleStatus,
    rows: (zone: string) => NewSale[],
  ): Promise<HandlerResult> {
    if (refused.length === events.length) return { rejected: refused };
    const storeId = events[0]!.origin;
    const all = rows(zoneOrUtc(await repo.storeTimezone(storeId)));
    const firsts = firstPerId(all, (s) => s.saleId);
    const written = await repo.insertSales(storeId, firsts, this.now());
    // Both kinds of lines carry sku and qty: all a return is judged by.
    if (written.size)
      await this.#settlePending(repo, storeId, firsts.filter((s) => written.has(s.saleId)) as SaleFacts[]);
    const again = all.filter((s) => !written.has(s.saleId));
    if (again.length) {
      const held = await repo.statuses(storeId, [...new Set(again.map((s) => s.saleId))]);
      for (const s of again) {
        const other = held.get(s.saleId);
        if (other && other !== status)
          refused.push({
            seq: s.originSeq,
            reason: `sale ${s.saleId} is already in the ledger as ${other}; a ${status} report of it is refused`,
          });
      }
    }
    return { rejected: refused.sort(bySeq) };
  }

  /**
   * Daily totals from `from` to `to` (local days, inclusive; by default the week up to today, where today is the
   * latest date anywhere, so no store's today is left out), one page of them with the cursor of the next.
   */
  async daily(q: DailyRequest): Promise<{ from: LocalDay; to: LocalDay; items: DailyTotals[]; next: string | null }> {
    const to = q.to ?? localDay(this.now(), EARLIEST_ZONE);
    const from = q.from ?? addDays(to, -6);
    if (from > to)
      throw new ValidationError(`invalid query (from: ${from} is after to ${to})`, [
        { path: 'from', message: 'must not be after to' },
      ]);
    if (addDays(from, MAX_DAYS - 1) < to) {
      const message = `at most ${MAX_DAYS} days from ${from} to ${to}`;
      throw new ValidationError(`invalid query (to: ${message})`, [{ path: 'to', message }]);
    }
    const items = await this.repo().daily({ ...q, from, to });
    const last = items.length === q.limit ? items.at(-1) : undefined;
    return { from, to, items, next: last ? `${last.day}_${last.storeId}_${last.currency}` : null };
  }

  /**
   * Every store's sale of this id with its returns, by store. `storeId` limits the search to one store (a store's own
   * callers always; head office when it names one). Sale ids are each store's own: head office sees every store that
   * used the id. Throws NotFoundError when no store the caller may see has a sale or a return of that id.
   */
  async sale(saleId: string, storeId: string | null): Promise<SaleLookup> {
    const number = asSaleNumber(saleId);
    if (number) return this.#byNumber(number, storeId);
    const repo = this.repo();
    const sales = await repo.salesById(saleId, storeId, MAX_MATCHES);
    const returns = await repo.returnsOf(saleId, storeId, MAX_RETURNS);
    const stores = unique([...sales.map((s) => s.storeId), ...returns.map((r) => r.storeId)])
      .sort()
      .slice(0, MAX_MATCHES);
    if (!stores.length) throw new NotFoundError('sale', saleId);
    const labels = await repo.storeLabels(stores);
    const matches = stores.map((id) => ({
      storeId: id,
      storeCode: labels.get(id)?.code ?? '?',
      storeName: labels.get(id)?.name ?? 'unknown store',
      saleId,
      sale: sales.find((s) => s.storeId === id) ?? null,
      returns: returns.filter((r) => r.storeId === id),
    }));
    return { saleId, matches };
  }

  /** The sales with a receipt number (a store's, or each store's that used it) with their returns. */
  async #byNumber(number: string, storeId: string | null): Promise<SaleLookup> {
    const repo = this.repo();
    const sales = await repo.salesByNumber(number, storeId, MAX_MATCHES);
    if (!sales.length) throw new NotFoundError('sale', number);
    const labels = await repo.storeLabels(unique(sales.map((s) => s.storeId)));
    const matches = await Promise.all(
      sales.map(async (s) => ({
        storeId: s.storeId,
        storeCode: labels.get(s.storeId)?.code ?? '?',
        storeName: labels.get(s.storeId)?.name ?? 'unknown store',
        saleId: s.saleId,
        sale: s,
        returns: await repo.returnsOf(s.saleId, s.storeId, MAX_RETURNS),
      })),
    );
    return { saleId: number, matches };
  }
}
