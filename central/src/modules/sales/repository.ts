import type { Queryable } from '../../db/db.js';
import type { HeldReturn, SaleFacts } from './return-checks.js';
import type {
  DailyQuery,
  DailyTotals,
  NewReturn,
  NewSale,
  ReturnRecord,
  ReturnStatus,
  SaleRecord,
  SaleStatus,
} from './types.js';

/**
 * Adds to the day's totals what the CTE `cte` returns (only rows the ledger did not count yet), in the statement that
 * wrote them: `cte` yields (day, currency, sales, gross, tax, returns, refunds, voids, discounts). $1 = store, $3 = now.
 */
const addToDaily = (
  cte: string,
) => `INSERT INTO sales_daily AS d (store_id, day, currency, sales_count, gross_minor, tax_minor, returns_count, returns_minor, voids_count, discount_minor, updated_at)
  SELECT $1, day, currency, sum(sales), sum(gross), sum(tax), sum(returns), sum(refunds), sum(voids), sum(discounts), $3 FROM ${cte} GROUP BY day, currency
  ON CONFLICT (store_id, day, currency) DO UPDATE SET
    sales_count = d.sales_count + EXCLUDED.sales_count, gross_minor = d.gross_minor + EXCLUDED.gross_minor,
    tax_minor = d.tax_minor + EXCLUDED.tax_minor, returns_count = d.returns_count + EXCLUDED.returns_count,
    returns_minor = d.returns_minor + EXCLUDED.returns_minor, voids_count = d.voids_count + EXCLUDED.voids_count,
    discount_minor = d.discount_minor + EXCLUDED.discount_minor, updated_at = EXCLUDED.updated_at`;

const SALE_COLUMNS = `store_id, sale_id, number, status, lane, currency, opened_at, closed_at, day::text AS day, subtotal_minor, tax_minor, total_minor, lines, tenders,
  voided_card_reference, origin_seq, received_at, discount_minor, promotions, rules_revision`;
const RETURN_COLUMNS =
  'store_id, return_id, sale_id, number, sale_number, currency, at, day::text AS day, refund_minor, lines, refund, origin_seq, received_at, status, refused_reason';

interface SaleRow {
  store_id: string;
  sale_id: string;
  number: string | null;
  status: SaleStatus;
  lane: string | null;
  currency: string;
  opened_at: number;
  closed_at: number;
  day: string;
  subtotal_minor: number;
  tax_minor: number;
  total_minor: number;
  lines: unknown[];
  tenders: NewSale['tenders'];
  voided_card_reference: string | null;
  origin_seq: number;
  received_at: number;
  discount_minor: number;
  promotions: NewSale['promotions'];
  rules_revision: number | null;
}

interface ReturnRow {
  store_id: string;
  return_id: string;
  sale_id: string;
  number: string | null;
  sale_number: string | null;
  currency: string;
  at: number;
  day: string;
  refund_minor: number;
  lines: NewReturn['lines'];
  refund: NewReturn['refund'];
  origin_seq: number;
  received_at: number;
  status: ReturnStatus;
  refused_reason: string | null;
}

interface DailyRow {
  store_id: string;
  code: string;
  name: string;
  timezone: string;
  day: string;
  currency: string;
  sales_count: number;
  gross_minor: number;
  tax_minor: number;
  returns_count: number;
  returns_minor: number;
  voids_count: number;
  discount_minor: number;
}

const toSale = (r: SaleRow): SaleRecord => ({
  storeId: r.store_id,
  saleId: r.sale_id,
  number: r.number,
  status: r.status,
  lane: r.lane,
  currency: r.currency,
  openedAt: r.opened_at,
  closedAt: r.closed_at,
  day: r.day,
  subtotalMinor: r.subtotal_minor,
  taxMinor: r.tax_minor,
  totalMinor: r.total_minor,
  lines: r.lines,
  tenders: r.tenders,
  voidedCardReference: r.voided_card_reference,
  originSeq: r.origin_seq,
  receivedAt: r.received_at,
  discountMinor: Number(r.discount_minor),
  promotions: r.promotions,
  rulesRevision: r.rules_revision === null ? null : Number(r.rules_revision),
});

const toReturn = (r: ReturnRow): ReturnRecord => ({
  storeId: r.store_id,
  returnId: r.return_id,
  saleId: r.sale_id,
  number: r.number,
  saleNumber: r.sale_number,
  currency: r.currency,
  at: r.at,
  day: r.day,
  refundMinor: r.refund_minor,
  lines: r.lines,
  refund: r.refund,
  originSeq: r.origin_seq,
  receivedAt: r.received_at,
  status: r.status,
  refusedReason: r.refused_reason,
});

const toDaily = (r: DailyRow): DailyTotals => ({
  storeId: r.store_id,
  storeCode: r.code,
  storeName: r.name,
  timezone: r.timezone,
  day: r.day,
  currency: r.currency,
  salesCount: r.sales_count,
  grossMinor: r.gross_minor,
  taxMinor: r.tax_minor,
  returnsCount: r.returns_count,
  returnsMinor: r.returns_minor,
  voidsCount: r.voids_count,
  discountMinor: Number(r.discount_minor),
  netMinor: r.gross_minor - r.returns_minor,
});

/** All SQL of the sales module: the ledger (sales, returns) and its daily totals. */
export class SalesRepository {
  constructor(readonly db: Queryable) {}

  /** The store's time zone as its location says (null when the hub has no such location). */
  async storeTimezone(storeId: string): Promise<string | null> {
    const { rows } = await this.db.query<{ timezone: string }>('SELECT timezone FROM locations WHERE id = $1', [
      storeId,
    ]);
    return rows[0]?.timezone ?? null;
  }

  /**
   * Writes the sales the ledger does not hold yet and adds them to their days' totals, in one statement; a sale id
   * the store already sent (under any seq) is skipped and counts nothing. Returns the ids written.
   */
  async insertSales(storeId: string, sales: readonly NewSale[], now: number): Promise<Set<string>> {
    if (!sales.length) return new Set();
    const { rows } = await this.db.query<{ id: string }>(
      `WITH fresh AS (
         INSERT INTO sales (store_id, sale_id, number, status, lane, currency, opened_at, closed_at, day, subtotal_minor, tax_minor, total_minor, lines, tenders, voided_card_reference, origin_seq, received_at,
           discount_minor, promotions, rules_revision, customer_card_present)
         SELECT $1, x."saleId", x.number, x.status, x.lane, x.currency, x."openedAt", x."closedAt", x.day::date, x."subtotalMinor", x."taxMinor", x."totalMinor", x.lines, x.tenders, x."voidedCardReference", x."originSeq", $3,
           x."discountMinor", x.promotions, x."rulesRevision", x."customerCardPresent"
         FROM jsonb_to_recordset($2::jsonb) AS x("saleId" text, number text, status text, lane text, currency text, "openedAt" bigint, "closedAt" bigint, day text,
           "subtotalMinor" bigint, "taxMinor" bigint, "totalMinor" bigint, lines jsonb, tenders jsonb, "voidedCardReference" text, "originSeq" bigint,
           "discountMinor" bigint, promotions jsonb, "rulesRevision" bigint, "customerCardPresent" boolean)
         ON CONFLICT (store_id, sale_id) DO NOTHING
         RETURNING sale_id, day, currency, (status = 'COMPLETED')::int AS sales, total_minor AS gross, tax_minor AS tax, 0 AS returns, 0::bigint AS refunds, (status = 'VOIDED')::int AS voids,
           discount_minor AS discounts
       ), totals AS (${addToDaily('fresh')})
       SELECT sale_id AS id FROM fresh`,
      [storeId, JSON.stringify(sales), now],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** What the ledger holds for these sale ids of the store. */
  async statuses(storeId: string, saleIds: readonly string[]): Promise<Map<string, SaleStatus>> {
    const { rows } = await this.db.query<{ sale_id: string; status: SaleStatus }>(
      'SELECT sale_id, status FROM sales WHERE store_id = $1 AND sale_id = ANY($2::text[])',
      [storeId, saleIds],
    );
    return new Map(rows.map((r) => [r.sale_id, r.status]));
  }

  /**
   * As `insertSales`, for returns: a return id already held is skipped. Only a COUNTED one adds to its day's totals;
   * a PENDING one is held apart until `settleReturns` judges it.
   */
  async insertReturns(storeId: string, returns: readonly NewReturn[], now: number): Promise<Set<string>> {
    if (!returns.length) return new Set();
    const { rows } = await this.db.query<{ id: string }>(
      `WITH fresh AS (
         INSERT INTO sale_returns (store_id, return_id, sale_id, number, sale_number, currency, at, day, refund_minor, lines, refund, origin_seq, received_at, status)
         SELECT $1, x."returnId", x."saleId", x.number, x."saleNumber", x.currency, x.at, x.day::date, x."refundMinor", x.lines, x.refund, x."originSeq", $3, x.status
         FROM jsonb_to_recordset($2::jsonb) AS x("returnId" text, "saleId" text, number text, "saleNumber" text, currency text, at bigint, day text, "refundMinor" bigint, lines jsonb, refund jsonb, "originSeq" bigint, status text)
         ON CONFLICT (store_id, return_id) DO NOTHING
         RETURNING return_id, status, day, currency, 0 AS sales, 0::bigint AS gross, 0::bigint AS tax, 1 AS returns, refund_minor AS refunds, 0 AS voids, 0::bigint AS discounts
       ), counted AS (SELECT * FROM fresh WHERE status = 'COUNTED'),
       totals AS (${addToDaily('counted')})
       SELECT return_id AS id FROM fresh`,
      [storeId, JSON.stringify(returns), now],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** What a return is judged against (return-checks.ts): the store's sales of these ids. */
  async saleFacts(storeId: string, saleIds: readonly string[]): Promise<SaleFacts[]> {
    if (!saleIds.length) return [];
    const { rows } = await this.db.query<{
      sale_id: string;
      status: SaleStatus;
      currency: string;
      total_minor: number;
      lines: SaleFacts['lines'];
    }>(
      'SELECT sale_id, status, currency, total_minor, lines FROM sales WHERE store_id = $1 AND sale_id = ANY($2::text[])',
      [storeId, saleIds],
    );
    return rows.map((r) => ({
      saleId: r.sale_id,
      status: r.status,
      currency: r.currency,
      totalMinor: r.total_minor,
      lines: r.lines,
    }));
  }

  /** How many of the store's returns wait for their sale (PENDING), counted up to `atMost`. */
  async pendingCount(storeId: string, atMost: number): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM (SELECT 1 FROM sale_returns WHERE store_id = $1 AND status = 'PENDING' LIMIT $2) w",
      [storeId, atMost],
    );
    return rows[0]!.n;
  }

  /** The store's returns of these sales, and those with these return ids (resends), in seq order. */
  async returnsFor(
    storeId: string,
    saleIds: readonly string[],
    returnIds: readonly string[] = [],
  ): Promise<HeldReturn[]> {
    const { rows } = await this.db.query<{
      return_id: string;
      sale_id: string;
      currency: string;
      refund_minor: number;
      lines: NewReturn['lines'];
      status: ReturnStatus;
    }>(
      `SELECT return_id, sale_id, currency, refund_minor, lines, status FROM sale_returns
       WHERE store_id = $1 AND (sale_id = ANY($2::text[]) OR return_id = ANY($3::text[])) ORDER BY origin_seq, return_id`,
      [storeId, saleIds, returnIds],
    );
    return rows.map((r) => ({
      returnId: r.return_id,
      saleId: r.sale_id,
      currency: r.currency,
      refundMinor: r.refund_minor,
      lines: r.lines,
      status: r.status,
    }));
  }

  /** Settles PENDING returns as judged, in one statement: a COUNTED one adds to its own day's totals. */
  async settleReturns(
    storeId: string,
    verdicts: readonly { returnId: string; status: 'COUNTED' | 'REFUSED'; reason: string | null }[],
    now: number,
  ): Promise<void> {
    if (!verdicts.length) return;
    await this.db.query(
      `WITH settled AS (
         UPDATE sale_returns r SET status = x.status, refused_reason = x.reason
         FROM jsonb_to_recordset($2::jsonb) AS x("returnId" text, status text, reason text)
         WHERE r.store_id = $1 AND r.return_id = x."returnId" AND r.status = 'PENDING'
         RETURNING r.status, r.day, r.currency, 0 AS sales, 0::bigint AS gross, 0::bigint AS tax, 1 AS returns, r.refund_minor AS refunds, 0 AS voids, 0::bigint AS discounts
       ), counted AS (SELECT * FROM settled WHERE status = 'COUNTED')
       ${addToDaily('counted')}`,
      [storeId, JSON.stringify(verdicts), now],
    );
  }

  /** Daily totals from `from` to `to` (local days, inclusive), newest day first, then by store and currency. */
  async daily(q: DailyQuery): Promise<DailyTotals[]> {
    const { rows } = await this.db.query<DailyRow>(
      `SELECT d.store_id, coalesce(l.code, '?') AS code, coalesce(l.name, 'unknown store') AS name, coalesce(l.timezone, 'UTC') AS timezone,
              d.day::text AS day, d.currency, d.sales_count, d.gross_minor, d.tax_minor, d.returns_count, d.returns_minor, d.voids_count, d.discount_minor
       FROM sales_daily d LEFT JOIN locations l ON l.id = d.store_id
       WHERE ($1::uuid IS NULL OR d.store_id = $1) AND d.day BETWEEN $2::date AND $3::date
         AND ($4::date IS NULL OR d.day < $4::date OR (d.day = $4::date AND (d.store_id, d.currency) > ($5::uuid, $6::text)))
       ORDER BY d.day DESC, d.store_id, d.currency LIMIT $7`,
      [q.storeId, q.from, q.to, q.after?.day ?? null, q.after?.storeId ?? null, q.after?.currency ?? null, q.limit],
    );
    return rows.map(toDaily);
  }

  /** The sales with this id, in `storeId` only when given, by store. */
  async salesById(saleId: string, storeId: string | null, limit: number): Promise<SaleRecord[]> {
    const { rows } = await this.db.query<SaleRow>(
      `SELECT ${SALE_COLUMNS} FROM sales WHERE sale_id = $1 AND ($2::uuid IS NULL OR store_id = $2) ORDER BY store_id LIMIT $3`,
      [saleId, storeId, limit],
    );
    return rows.map(toSale);
  }

  /** The sales with this receipt number (`S001-03-00123`), in `storeId` only when given, by store. */
  async salesByNumber(number: string, storeId: string | null, limit: number): Promise<SaleRecord[]> {
    const { rows } = await this.db.query<SaleRow>(
      `SELECT ${SALE_COLUMNS} FROM sales WHERE number = $1 AND ($2::uuid IS NULL OR store_id = $2) ORDER BY store_id, sale_id LIMIT $3`,
      [number, storeId, limit],
    );
    return rows.map(toSale);
  }

  /** The code and name of these stores, as their locations say. */
  async storeLabels(storeIds: readonly string[]): Promise<Map<string, { code: string; name: string }>> {
    const { rows } = await this.db.query<{ id: string; code: string; name: string }>(
      'SELECT id, code, name FROM locations WHERE id = ANY($1::uuid[])',
      [storeIds],
    );
    return new Map(rows.map((r) => [r.id, { code: r.code, name: r.name }]));
  }

  /** Returns of the sale id, oldest first, in `storeId` only when given (every store's otherwise). */
  async returnsOf(saleId: string, storeId: string | null, limit = 500): Promise<ReturnRecord[]> {
    const { rows } = await this.db.query<ReturnRow>(
      `SELECT ${RETURN_COLUMNS} FROM sale_returns WHERE sale_id = $1 AND ($2::uuid IS NULL OR store_id = $2) ORDER BY store_id, at, return_id LIMIT $3`,
      [saleId, storeId, limit],
    );
    return rows.map(toReturn);
  }
}
