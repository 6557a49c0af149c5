import {
  type BasketLine,
  DEFAULT_TAX_RATES_PPM,
  type PricedBasket,
  type PricingRules,
  type Promotion,
  price,
} from '@storefleet/shared';
import type { HubContext, JobHandle } from '../../kernel/module-contract.js';
import { type SaleBasket, SALES_BASKETS } from '../../kernel/ports/pricing.js';
import { catalogOf, chainCurrency, type ProductRef, productsBySku } from './insights-catalog.js';
import type { DryRunRecord, InsightsRepository, ScopedEntry } from './insights-repository.js';

/** The most baskets one dry run prices; past it the run stops and says so (`truncated`). */
export const DRY_RUN_MAX_BASKETS = 200_000;
/** Baskets read per page (one progress write each). */
const PAGE = 500;
const TOP_SKUS = 10;
const EXAMPLES = 5;

export interface DryRunExample {
  readonly saleId: string;
  readonly storeId: string;
  readonly closedAt: number;
  readonly beforeMinor: number;
  readonly afterMinor: number;
  readonly discountMinor: number;
  readonly lines: readonly { sku: string; name: string | null; qty: number; beforeMinor: number; afterMinor: number }[];
}

export interface DryRunResult {
  readonly currency: string;
  /** Baskets priced. */
  readonly baskets: number;
  /**
   * Of them, baskets where a loyalty card was shown (the ledger's `member`): priced as a member's, with the books'
   * member prices, members-only promotions and MEMBER_PRICE rules (a basket without a card never gets those).
   */
  readonly memberBaskets: number;
  /** Baskets where the promotion applied. */
  readonly applied: number;
  /** What it would have given: Σ (subtotal without it − subtotal with it), before tax. */
  readonly discountMinor: number;
  readonly beforeMinor: number;
  readonly afterMinor: number;
  /** Per local day of the store (YYYY-MM-DD), in day order. */
  readonly perDay: readonly { day: string; baskets: number; applied: number; discountMinor: number }[];
  /** The skus it took most off, most first. */
  readonly topSkus: readonly { sku: string; name: string | null; qty: number; discountMinor: number }[];
  /** The baskets it took most off (before/after per line). */
  readonly examples: readonly DryRunExample[];
  /** Baskets that could not be priced (a line the engine refused). */
  readonly skipped: number;
  /** True when the window held more than DRY_RUN_MAX_BASKETS: the figures cover the first ones. */
  readonly truncated: boolean;
  /** A coupon promotion is priced as if every basket had presented its coupon. */
  readonly assumedCoupon: boolean;
}

export interface DryRunView {
  readonly id: string;
  readonly status: 'RUNNING' | 'DONE' | 'FAILED';
  readonly promotion: { readonly id: string | null; readonly name: string };
  readonly from: number;
  readonly to: number;
  readonly storeId: string | null;
  readonly progress: { readonly scanned: number; readonly of: number | null; readonly fraction: number };
  readonly result: DryRunResult | null;
  readonly error: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export async function dryRunView(repo: InsightsRepository, id: string): Promise<DryRunView | null> {
  const r = await repo.dryRun(id);
  if (!r) return null;
  const { from, to, scanned } = r;
  const reached = r.reachedAt ?? from;
  return {
    id: r.id,
    status: r.status,
    promotion: { id: r.promotionId, name: r.promotion.name },
    from,
    to,
    storeId: r.storeId,
    progress: {
      scanned,
      of: r.status === 'RUNNING' ? null : scanned,
      fraction: r.status === 'DONE' ? 1 : Math.max(0, Math.min(1, (reached - from) / (to - from))),
    },
    result: r.result,
    error: r.error,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/** The `pricing.dry-run` job: prices each basket of the window twice (without and with the promotion). */
export class DryRunJob {
  constructor(
    readonly ctx: HubContext,
    readonly repo: InsightsRepository,
  ) {}

  async run(job: JobHandle<{ runId: string }>): Promise<void> {
    const runId = typeof job.payload?.runId === 'string' ? job.payload.runId : '';
    const row = runId ? await this.repo.dryRun(runId) : null;
    if (row?.status !== 'RUNNING') return;
    try {
      const result = await this.#price(job, row);
      if (!result) return; // stopped: the runner puts it back
      await this.repo.finishDryRun(row.id, result, result.baskets + result.skipped, this.ctx.now());
    } catch (err) {
      if (job.signal.aborted) throw err;
      const why = err instanceof Error ? err.message : String(err);
      this.ctx.log.warn({ err, runId }, 'pricing dry run failed');
      await this.repo.failDryRun(row.id, `the dry run failed: ${why.slice(0, 400)}`, this.ctx.now());
    }
  }

  async #price(job: JobHandle<{ runId: string }>, row: DryRunRecord): Promise<DryRunResult | null> {
    const q = this.ctx.db;
    const source = this.ctx.services.find(SALES_BASKETS);
    if (!source) throw new Error('this hub has no sales ledger (the sales module is not installed)');
    const { from, to } = row;
    const stored = row.promotion;
    // the promotion is asked about over the window, whatever its own dates; a coupon one as if each had its coupon
    const promotion: Promotion = { ...stored, from: 0, to: null, couponRequired: false };
    const others = (await this.repo.promotionsDuring(from, to)).filter((p) => p.id !== promotion.id);
    const currency = await chainCurrency(catalogOf(this.ctx), q);
    const products = new Map<string, ProductRef | null>();
    const stores = new Map<string, { regionId: string | null; day: Intl.DateTimeFormat }>();
    const acc = new Accumulator(currency, stored.couponRequired === true);
    let after: { closedAt: number; saleId: string } | undefined;
    for (;;) {
      if (job.signal.aborted) return null;
      const page: SaleBasket[] = await source.page(q, {
        from,
        to,
        ...(row.storeId ? { storeId: row.storeId } : {}),
        ...(after ? { after } : {}),
        limit: Math.min(PAGE, DRY_RUN_MAX_BASKETS - acc.scanned),
      });
      if (!page.length) break;
      const skus = [...new Set(page.flatMap((b) => b.lines.map((l) => l.sku)))];
      const missing = skus.filter((s) => !products.has(s));
      const found = await productsBySku(catalogOf(this.ctx), missing, q);
      for (const s of missing) products.set(s, found.get(s) ?? null);
      const entriesBySku = new Map<string, ScopedEntry[]>();
      for (const e of await this.repo.entriesFor(skus))
        entriesBySku.set(e.sku, [...(entriesBySku.get(e.sku) ?? []), e]);
      for (const b of page) {
        let store = stores.get(b.storeId);
        if (!store) {
          const ref = await this.repo.storeRef(b.storeId);
          store = { regionId: ref.regionId, day: dayFormat(ref.timezone) };
          stores.set(b.storeId, store);
        }
        const lines: BasketLine[] = b.lines.map((l) => {
          const p = products.get(l.sku) ?? null;
          return {
            sku: l.sku,
            qty: l.qty,
            catalogPriceMinor: p?.priceMinor ?? l.unitPriceMinor,
            taxClass: p && DEFAULT_TAX_RATES_PPM[p.taxClass] !== undefined ? p.taxClass : 'STANDARD',
            ...(p ? { category: p.category, name: p.name } : {}),
          };
        });
        const storeEntries = [...new Set(b.lines.map((l) => l.sku))].flatMap((sku) =>
          (entriesBySku.get(sku) ?? []).filter(
            (e) =>
              e.scope === 'CHAIN' ||
              (e.scope === 'STORE' ? e.storeId === b.storeId : e.regionId !== null && e.regionId === store.regionId),
          ),
        );
        const context = { at: b.closedAt, storeId: b.storeId, regionId: store.regionId, member: b.member };
        let before: PricedBasket;
        let withIt: PricedBasket;
        try {
          if (!lines.length) throw new RangeError('no lines');
          before = price(lines, rules(currency, storeEntries, others), context);
          withIt = price(lines, rules(currency, storeEntries, [...others, promotion]), context);
        } catch {
          acc.skipped++;
          continue;
        }
        acc.add(b, store.day.format(b.closedAt), before, withIt, promotion.id);
      }
      const last = page[page.length - 1]!;
      after = { closedAt: last.closedAt, saleId: last.saleId };
      await this.repo.dryRunProgress(row.id, acc.scanned, last.closedAt, this.ctx.now());
      await job.progress(acc.scanned, null, `${acc.scanned} baskets priced`);
      if (acc.scanned >= DRY_RUN_MAX_BASKETS) {
        acc.truncated = true;
        break;
      }
      if (page.length < Math.min(PAGE, DRY_RUN_MAX_BASKETS)) break;
    }
    return acc.result();
  }
}

function rules(currency: string, prices: readonly ScopedEntry[], promotions: readonly Promotion[]): PricingRules {
  let revision = 0;
  for (const p of prices) revision = Math.max(revision, p.revision);
  for (const p of promotions) revision = Math.max(revision, p.revision);
  return { currency, taxRatesPpm: DEFAULT_TAX_RATES_PPM, prices, promotions, couponKeys: [], revision };
}

const formats = new Map<string, Intl.DateTimeFormat>();
function dayFormat(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      f = new Intl.DateTimeFormat('en-CA', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' });
    }
    formats.set(timeZone, f);
  }
  return f;
}

class Accumulator {
  baskets = 0;
  memberBaskets = 0;
  applied = 0;
  skipped = 0;
  discount = 0;
  before = 0;
  after = 0;
  truncated = false;
  readonly days = new Map<string, { baskets: number; applied: number; discountMinor: number }>();
  readonly skus = new Map<string, { name: string | null; qty: number; discountMinor: number }>();
  examples: DryRunExample[] = [];

  constructor(
    readonly currency: string,
    readonly assumedCoupon: boolean,
  ) {}

  get scanned(): number {
    return this.baskets + this.skipped;
  }

  add(b: SaleBasket, day: string, before: PricedBasket, withIt: PricedBasket, promotionId: string): void {
    this.baskets++;
    if (b.member) this.memberBaskets++;
    const applied = withIt.promotions.some((p) => p.promotionId === promotionId);
    const off = before.subtotalMinor - withIt.subtotalMinor;
    if (applied) this.applied++;
    this.discount += off;
    this.before += before.subtotalMinor;
    this.after += withIt.subtotalMinor;
    const d = this.days.get(day) ?? { baskets: 0, applied: 0, discountMinor: 0 };
    d.baskets++;
    if (applied) d.applied++;
    d.discountMinor += off;
    this.days.set(day, d);
    if (!off) return;
    const beforeBySku = new Map(before.lines.map((l) => [l.sku, l]));
    const lines = withIt.lines.map((l) => {
      const was = beforeBySku.get(l.sku);
      const lineOff = (was?.netMinor ?? l.netMinor) - l.netMinor;
      if (lineOff) {
        const s = this.skus.get(l.sku) ?? { name: l.name ?? null, qty: 0, discountMinor: 0 };
        s.qty += l.qty;
        s.discountMinor += lineOff;
        this.skus.set(l.sku, s);
      }
      return {
        sku: l.sku,
        name: l.name ?? null,
        qty: l.qty,
        beforeMinor: was?.netMinor ?? l.netMinor,
        afterMinor: l.netMinor,
      };
    });
    if (this.examples.length < EXAMPLES || off > this.examples[this.examples.length - 1]!.discountMinor) {
      this.examples.push({
        saleId: b.saleId,
        storeId: b.storeId,
        closedAt: b.closedAt,
        beforeMinor: before.subtotalMinor,
        afterMinor: withIt.subtotalMinor,
        discountMinor: off,
        lines,
      });
      this.examples.sort((x, y) => y.discountMinor - x.discountMinor || x.closedAt - y.closedAt);
      if (this.examples.length > EXAMPLES) this.examples.length = EXAMPLES;
    }
  }

  result(): DryRunResult {
    return {
      currency: this.currency,
      baskets: this.baskets,
      memberBaskets: this.memberBaskets,
      applied: this.applied,
      discountMinor: this.discount,
      beforeMinor: this.before,
      afterMinor: this.after,
      perDay: [...this.days.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([day, d]) => ({ day, ...d })),
      topSkus: [...this.skus.entries()]
        .sort(([a, x], [b, y]) => y.discountMinor - x.discountMinor || (a < b ? -1 : 1))
        .slice(0, TOP_SKUS)
        .map(([sku, s]) => ({ sku, ...s })),
      examples: this.examples,
      skipped: this.skipped,
      truncated: this.truncated,
      assumedCoupon: this.assumedCoupon,
    };
  }
}
