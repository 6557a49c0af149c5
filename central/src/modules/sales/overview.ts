import type { Queryable } from '../../db/db.js';
import type { LocalDay } from './types.js';

/**
 * One currency's totals over some days: sales, gross (what was charged, tax included), the discounts promotions gave
 * (issue #25: already off gross), returns and refunds, voids, net.
 */
export interface Totals {
  readonly currency: string;
  readonly salesCount: number;
  readonly grossMinor: number;
  readonly discountMinor: number;
  readonly returnsCount: number;
  readonly returnsMinor: number;
  readonly voidsCount: number;
  /** gross − refunds. */
  readonly netMinor: number;
}

export interface DayTotals extends Totals {
  readonly day: LocalDay;
}

/** One store on the overview: its own today (in its time zone), that day's and the window's totals, and each day. */
export interface StoreOverview {
  readonly storeId: string;
  readonly code: string;
  readonly name: string;
  readonly timezone: string;
  readonly today: LocalDay;
  readonly todayTotals: readonly Totals[];
  readonly periodTotals: readonly Totals[];
  /** Days with any sale, return or void, oldest first. */
  readonly perDay: readonly DayTotals[];
}

/**
 * The console's sales overview: each store's today and its last `days` local days, and the fleet's sums (each store's
 * own days added by calendar date; "today" is every store's own today). From the ledger's daily totals (sales_daily).
 */
export interface SalesOverview {
  readonly days: number;
  readonly asOf: number;
  readonly fleet: {
    readonly stores: number;
    readonly todayTotals: readonly Totals[];
    readonly periodTotals: readonly Totals[];
    readonly perDay: readonly DayTotals[];
  };
  readonly stores: readonly StoreOverview[];
  /** The store code to pass as `after` for the next page of stores, or null. */
  readonly next: string | null;
}

interface Row {
  store_id: string;
  code: string;
  name: string;
  timezone: string;
  today: string;
  day: string | null;
  currency: string | null;
  sales_count: number | null;
  gross_minor: number | null;
  returns_count: number | null;
  returns_minor: number | null;
  voids_count: number | null;
  discount_minor: number | null;
}

const SUMS = `sum(d.sales_count)::bigint AS sales_count, sum(d.gross_minor)::bigint AS gross_minor,
  sum(d.discount_minor)::bigint AS discount_minor,
  sum(d.returns_count)::bigint AS returns_count, sum(d.returns_minor)::bigint AS returns_minor,
  sum(d.voids_count)::bigint AS voids_count`;

// Each store's own today: the hub's now in the store's zone. $1 now (ms), $2 one store or null, $3 days.
const STORES = `SELECT l.id, l.code, l.name, l.timezone,
    (to_timestamp($1::bigint / 1000.0) AT TIME ZONE l.timezone)::date AS today
  FROM locations l WHERE l.kind = 'STORE' AND ($2::uuid IS NULL OR l.id = $2)`;

function totalsOf(r: {
  currency: string | null;
  sales_count: number | null;
  gross_minor: number | null;
  returns_count: number | null;
  returns_minor: number | null;
  voids_count: number | null;
  discount_minor: number | null;
}): Totals {
  const gross = Number(r.gross_minor ?? 0);
  const refunds = Number(r.returns_minor ?? 0);
  return {
    currency: r.currency ?? 'USD',
    salesCount: Number(r.sales_count ?? 0),
    grossMinor: gross,
    discountMinor: Number(r.discount_minor ?? 0),
    returnsCount: Number(r.returns_count ?? 0),
    returnsMinor: refunds,
    voidsCount: Number(r.voids_count ?? 0),
    netMinor: gross - refunds,
  };
}

/** Adds day rows up per currency. */
function sumByCurrency(rows: readonly Totals[]): Totals[] {
  const by = new Map<string, Totals>();
  for (const t of rows) {
    const s = by.get(t.currency);
    by.set(t.currency, {
      currency: t.currency,
      salesCount: (s?.salesCount ?? 0) + t.salesCount,
      grossMinor: (s?.grossMinor ?? 0) + t.grossMinor,
      discountMinor: (s?.discountMinor ?? 0) + t.discountMinor,
      returnsCount: (s?.returnsCount ?? 0) + t.returnsCount,
      returnsMinor: (s?.returnsMinor ?? 0) + t.returnsMinor,
      voidsCount: (s?.voidsCount ?? 0) + t.voidsCount,
      netMinor: (s?.netMinor ?? 0) + t.netMinor,
    });
  }
  return [...by.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

/** The overview's SQL: a page of stores with their days, and the fleet's sums over every store in scope. */
export class SalesOverviewRepository {
  constructor(readonly db: Queryable) {}

  async overview(q: {
    now: number;
    storeId: string | null;
    days: number;
    after: string | null;
    limit: number;
  }): Promise<SalesOverview> {
    const { rows } = await this.db.query<Row>(
      `WITH st AS (${STORES} AND ($4::text IS NULL OR l.code > $4) ORDER BY l.code LIMIT $5)
       SELECT st.id AS store_id, st.code, st.name, st.timezone, st.today::text AS today, d.day::text AS day, d.currency,
              d.sales_count, d.gross_minor, d.returns_count, d.returns_minor, d.voids_count, d.discount_minor
       FROM st LEFT JOIN sales_daily d ON d.store_id = st.id AND d.day BETWEEN st.today - ($3::int - 1) AND st.today
       ORDER BY st.code, d.day, d.currency`,
      [q.now, q.storeId, q.days, q.after, q.limit],
    );
    const { rows: fleet } = await this.db.query<{
      day: string;
      today: boolean;
      currency: string;
      sales_count: number;
      gross_minor: number;
      returns_count: number;
      returns_minor: number;
      voids_count: number;
      discount_minor: number;
    }>(
      `WITH st AS (${STORES})
       SELECT d.day::text AS day, bool_and(d.day = st.today) AS today, d.currency, ${SUMS}
       FROM st JOIN sales_daily d ON d.store_id = st.id AND d.day BETWEEN st.today - ($3::int - 1) AND st.today
       GROUP BY d.day, d.currency, d.day = st.today ORDER BY d.day, d.currency`,
      [q.now, q.storeId, q.days],
    );
    const { rows: count } = await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${STORES}) s`, [
      q.now,
      q.storeId,
    ]);
    const stores = new Map<string, StoreOverview & { perDay: DayTotals[] }>();
    for (const r of rows) {
      let s = stores.get(r.store_id);
      if (!s) {
        s = {
          storeId: r.store_id,
          code: r.code,
          name: r.name,
          timezone: r.timezone,
          today: r.today,
          todayTotals: [],
          periodTotals: [],
          perDay: [],
        };
        stores.set(r.store_id, s);
      }
      if (r.day) s.perDay.push({ day: r.day, ...totalsOf(r) });
    }
    const items = [...stores.values()].map((s) => ({
      ...s,
      todayTotals: sumByCurrency(s.perDay.filter((d) => d.day === s.today)),
      periodTotals: sumByCurrency(s.perDay),
    }));
    const fleetDays = fleet.map((r) => ({ day: r.day, isToday: r.today, totals: totalsOf(r) }));
    const perDay = new Map<string, Totals[]>();
    for (const d of fleetDays) perDay.set(d.day, [...(perDay.get(d.day) ?? []), d.totals]);
    return {
      days: q.days,
      asOf: q.now,
      fleet: {
        stores: count[0]?.n ?? 0,
        todayTotals: sumByCurrency(fleetDays.filter((d) => d.isToday).map((d) => d.totals)),
        periodTotals: sumByCurrency(fleetDays.map((d) => d.totals)),
        perDay: [...perDay.entries()].flatMap(([day, ts]) => sumByCurrency(ts).map((t) => ({ day, ...t }))),
      },
      stores: items,
      next: items.length === q.limit ? (items.at(-1)?.code ?? null) : null,
    };
  }
}
