import type { SaleCompleted, SaleReturned } from '@storefleet/shared';

/** A sale id is either paid or a basket voided before payment; the first event for the id decides. */
export type SaleStatus = 'COMPLETED' | 'VOIDED';

/** A local calendar day, `YYYY-MM-DD`, in the store's time zone. */
export type LocalDay = string;

/** One row of the ledger as it is written: a `sale.completed` or `sale.voided` payload with its day and seq. */
export interface NewSale {
  readonly saleId: string;
  /** The receipt's number (`S001-03-00123`); null on events from stores before #17. */
  readonly number: string | null;
  readonly status: SaleStatus;
  readonly lane: string | null;
  readonly currency: string;
  readonly openedAt: number;
  readonly closedAt: number;
  readonly day: LocalDay;
  readonly subtotalMinor: number;
  readonly taxMinor: number;
  readonly totalMinor: number;
  readonly lines: readonly unknown[];
  readonly tenders: SaleCompleted['tenders'];
  readonly voidedCardReference: string | null;
  readonly originSeq: number;
  /**
   * What promotions took off the sale (issue #25): the sum of its lines' `discountMinor` (each line's own is in
   * `lines`); 0 for a voided basket and sales from before #25.
   */
  readonly discountMinor: number;
  /** The promotions applied, each with what it took off in all; null without. */
  readonly promotions: SaleCompleted['promotions'] | null;
  /** The pricing rules' revision the store priced it with; null before #25 and for a voided basket. */
  readonly rulesRevision: number | null;
  /** Whether a loyalty card was shown (a member's sale); the card itself is not kept. False for a voided basket. */
  readonly customerCardPresent: boolean;
}

/**
 * A return in the ledger: COUNTED in its day's totals; PENDING while its sale is not held (not counted); REFUSED when
 * its sale arrived and the return did not fit it (kept with the reason, not counted). See return-checks.ts.
 */
export type ReturnStatus = 'COUNTED' | 'PENDING' | 'REFUSED';

export interface NewReturn {
  readonly returnId: string;
  readonly saleId: string;
  /** The return slip's number (`S001-03-R00007`) and its sale's; null on events from stores before #17. */
  readonly number: string | null;
  readonly saleNumber: string | null;
  readonly currency: string;
  readonly at: number;
  readonly day: LocalDay;
  readonly refundMinor: number;
  readonly lines: SaleReturned['lines'];
  readonly refund: SaleReturned['refund'];
  readonly originSeq: number;
  /** How it was written: COUNTED (its sale held and it fits) or PENDING (its sale not held yet). */
  readonly status: Exclude<ReturnStatus, 'REFUSED'>;
}

/** A sale as the ledger answers it (whether a card was shown is for the dry run's baskets, not in answers). */
export interface SaleRecord extends Omit<NewSale, 'customerCardPresent'> {
  readonly storeId: string;
  readonly receivedAt: number;
}

export interface ReturnRecord extends Omit<NewReturn, 'status'> {
  readonly storeId: string;
  readonly receivedAt: number;
  readonly status: ReturnStatus;
  /** Why a REFUSED return does not count; null otherwise. */
  readonly refusedReason: string | null;
}

/** One store's sale of an id: the sale when the hub has it, and every return of it it has. */
export interface SaleDetail {
  readonly storeId: string;
  readonly storeCode: string;
  readonly storeName: string;
  readonly saleId: string;
  /** Null while only returns of it have arrived (its own event may be parked or still on its way). */
  readonly sale: SaleRecord | null;
  readonly returns: readonly ReturnRecord[];
}

/**
 * What `GET /api/sales/:saleId` answers: every store's sale of that id the caller may see, by store. Sale ids are the
 * stores' own, so two stores can use the same one; a store's own callers only ever see their store's.
 */
export interface SaleLookup {
  /** What was asked: a sale id, or a sale number (then each match names its own sale id). */
  readonly saleId: string;
  readonly matches: readonly SaleDetail[];
}

/** One store's totals for one local day in one currency. Amounts in minor units, tax included. */
export interface DailyTotals {
  readonly storeId: string;
  readonly storeCode: string;
  readonly storeName: string;
  /** The store's time zone now (its days were cut in the zone it had when each event was applied). */
  readonly timezone: string;
  readonly day: LocalDay;
  readonly currency: string;
  readonly salesCount: number;
  readonly grossMinor: number;
  readonly taxMinor: number;
  readonly returnsCount: number;
  readonly returnsMinor: number;
  readonly voidsCount: number;
  /** What promotions took off the day's sales (gross is after them: what was charged). */
  readonly discountMinor: number;
  /** gross − refunds. */
  readonly netMinor: number;
}

export interface DailyQuery {
  /** One store, or null for every store (head office). */
  readonly storeId: string | null;
  readonly from: LocalDay;
  readonly to: LocalDay;
  readonly limit: number;
  /** Keyset: rows after this one in (day descending, store, currency) order. */
  readonly after: { readonly day: LocalDay; readonly storeId: string; readonly currency: string } | null;
}
