import { ConflictError, NotFoundError, saleCompletedSchema, saleReturnedSchema, saleVoidedSchema, ValidationError } from '@storefleet/shared';
import type { AppliedEvent, HandlerResult } from '../../sync/event-handlers.js';
import type { SalesRepository } from './repository.js';
import { addDays, completedRow, firstPerId, localDay, parseRun, returnRow, voidedRow, zoneOrUtc, type Refusal } from './sales-rules.js';
import type { DailyQuery, DailyTotals, LocalDay, NewSale, SaleDetail, SaleStatus } from './types.js';

/** The longest span one daily query may cover. */
const MAX_DAYS = 366;
/** UTC+14: the first zone to reach a new date, so the default window holds every store's today. */
const EARLIEST_ZONE = 'Pacific/Kiritimati';

/** A daily query as a caller asks it: the days are optional. */
export type DailyRequest = Omit<DailyQuery, 'from' | 'to'> & { readonly from: LocalDay | null; readonly to: LocalDay | null };

const bySeq = (a: Refusal, b: Refusal) => a.seq - b.seq;

/**
 * The fleet's sales ledger. The sync handlers get a run of one store's events of one type inside the hub's apply
 * transaction: each payload is validated with its shared schema (a bad one is refused alone, the reason naming the
 * field), the rest are written in one statement that also adds them to their days' totals. Counting is idempotent by
 * the store's sale and return ids, so a sale sent twice under two seqs counts once.
 */
export class SalesService {
  constructor(
    /** A repository on the hub's database, for reads. */
    readonly repo: () => SalesRepository,
    readonly now: () => number,
  ) {}

  applyCompleted(repo: SalesRepository, events: readonly AppliedEvent[]): Promise<HandlerResult> {
    const { valid, refused } = parseRun(saleCompletedSchema, events);
    return this.#applySales(repo, events, refused, 'COMPLETED', (zone) => valid.map((v) => completedRow(v.data, v.seq, zone)));
  }

  applyVoided(repo: SalesRepository, events: readonly AppliedEvent[]): Promise<HandlerResult> {
    const { valid, refused } = parseRun(saleVoidedSchema, events);
    return this.#applySales(repo, events, refused, 'VOIDED', (zone) => valid.map((v) => voidedRow(v.data, v.seq, zone)));
  }

  async applyReturned(repo: SalesRepository, events: readonly AppliedEvent[]): Promise<HandlerResult> {
    const { valid, refused } = parseRun(saleReturnedSchema, events);
    if (valid.length) {
      const storeId = events[0]!.origin;
      const zone = zoneOrUtc(await repo.storeTimezone(storeId));
      await repo.insertReturns(storeId, firstPerId(valid.map((v) => returnRow(v.data, v.seq, zone)), (r) => r.returnId), this.now());
    }
    return { rejected: refused.sort(bySeq) };
  }

  /**
   * Writes sales of one status. A sale id the ledger holds under the other status (a basket reported voided that was
   * also reported paid) is refused: the first report stands and the contradiction is parked for someone to look at.
   */
  async #applySales(repo: SalesRepository, events: readonly AppliedEvent[], refused: Refusal[], status: SaleStatus, rows: (zone: string) => NewSale[]): Promise<HandlerResult> {
    if (refused.length === events.length) return { rejected: refused };
    const storeId = events[0]!.origin;
    const all = rows(zoneOrUtc(await repo.storeTimezone(storeId)));
    const written = await repo.insertSales(storeId, firstPerId(all, (s) => s.saleId), this.now());
    const again = all.filter((s) => !written.has(s.saleId));
    if (again.length) {
      const held = await repo.statuses(storeId, [...new Set(again.map((s) => s.saleId))]);
      for (const s of again) {
        const other = held.get(s.saleId);
        if (other && other !== status) refused.push({ seq: s.originSeq, reason: `sale ${s.saleId} is already in the ledger as ${other}; a ${status} report of it is refused` });
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
    if (from > to) throw new ValidationError(`invalid query (from: ${from} is after to ${to})`, [{ path: 'from', message: 'must not be after to' }]);
    if (addDays(from, MAX_DAYS - 1) < to) {
      const message = `at most ${MAX_DAYS} days from ${from} to ${to}`;
      throw new ValidationError(`invalid query (to: ${message})`, [{ path: 'to', message }]);
    }
    const items = await this.repo().daily({ ...q, from, to });
    const last = items.length === q.limit ? items.at(-1) : undefined;
    return { from, to, items, next: last ? `${last.day}_${last.storeId}_${last.currency}` : null };
  }

  /**
   * A sale and its returns. `storeId` limits the search to one store (a store's own callers always; head office when
   * it names one). An id two stores both used is ambiguous for head office until it names the store.
   */
  async sale(saleId: string, storeId: string | null): Promise<SaleDetail> {
    const repo = this.repo();
    const sales = await repo.salesById(saleId, storeId);
    if (sales.length > 1) throw new ConflictError(`sale id ${saleId} is used by more than one store; name the store with ?store=`);
    const sale = sales[0] ?? null;
    const returns = await repo.returnsOf(saleId, sale?.storeId ?? storeId);
    const stores = new Set(returns.map((r) => r.storeId));
    if (!sale && stores.size > 1) throw new ConflictError(`sale id ${saleId} is used by more than one store; name the store with ?store=`);
    const owner = sale?.storeId ?? returns[0]?.storeId;
    if (!owner) throw new NotFoundError('sale', saleId);
    return { storeId: owner, saleId, sale, returns };
  }
}
