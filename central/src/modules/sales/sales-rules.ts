import type { z } from 'zod';
import type { SaleCompleted, SaleReturned, SaleVoided } from '@storefleet/shared';
import type { AppliedEvent } from '../../kernel/event-handlers.js';
import type { LocalDay, NewReturn, NewSale } from './types.js';

/** An event the ledger refuses on its own, with why (the parked row's reason). */
export interface Refusal {
  readonly seq: number;
  readonly reason: string;
}

/**
 * Validates each event of a run with its shared schema. A payload that fails is refused alone, its reason naming the
 * first field at fault (`lines.0.qty: …`), so the store's engineer can find it; the rest go on.
 */
export function parseRun<S extends z.ZodType>(
  schema: S,
  events: readonly AppliedEvent[],
): { valid: { seq: number; data: z.output<S> }[]; refused: Refusal[] } {
  const valid: { seq: number; data: z.output<S> }[] = [];
  const refused: Refusal[] = [];
  for (const e of events) {
    const parsed = schema.safeParse(e.payload);
    if (parsed.success) {
      valid.push({ seq: e.seq, data: parsed.data });
      continue;
    }
    const issue = parsed.error.issues[0];
    const more = parsed.error.issues.length > 1 ? ` (+${parsed.error.issues.length - 1} more)` : '';
    refused.push({
      seq: e.seq,
      reason: `invalid payload: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}${more}`,
    });
  }
  return { valid, refused };
}

const formats = new Map<string, Intl.DateTimeFormat>();

function dayFormat(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    // Throws a RangeError for a zone the runtime does not know; nothing is cached then.
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formats.set(timeZone, f);
  }
  return f;
}

/**
 * The zone a store's days are cut in: its own (locations.timezone) when it is a zone the runtime knows, else UTC.
 * A mistyped zone must not park a store's sales; its days are then UTC days until the zone is corrected.
 */
export function zoneOrUtc(timeZone: string | null | undefined): string {
  if (!timeZone) return 'UTC';
  try {
    dayFormat(timeZone);
    return timeZone;
  } catch {
    return 'UTC';
  }
}

/** The calendar day (`YYYY-MM-DD`) at `ms` in `timeZone` (a zone `zoneOrUtc` returned). */
export function localDay(ms: number, timeZone: string): LocalDay {
  const parts = Object.fromEntries(
    dayFormat(timeZone)
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** The days from `day` on, `n` days later (negative: earlier); calendar arithmetic, no time zone. */
export function addDays(day: LocalDay, n: number): LocalDay {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** Whether `day` (already `YYYY-MM-DD` in shape) is a date on the calendar (not 2024-02-30). */
export function isCalendarDay(day: string): boolean {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === day;
}

/** The first item for each id (items come in seq order); later ones are the same thing sent again. */
export function firstPerId<T>(items: readonly T[], idOf: (t: T) => string): T[] {
  const first = new Map<string, T>();
  for (const t of items) if (!first.has(idOf(t))) first.set(idOf(t), t);
  return [...first.values()];
}

export function completedRow(p: SaleCompleted, seq: number, zone: string): NewSale {
  return {
    saleId: p.saleId,
    number: p.number ?? null,
    status: 'COMPLETED',
    lane: p.lane,
    currency: p.currency,
    openedAt: p.openedAt,
    closedAt: p.closedAt,
    day: localDay(p.closedAt, zone),
    subtotalMinor: p.subtotalMinor,
    taxMinor: p.taxMinor,
    totalMinor: p.totalMinor,
    lines: p.lines,
    tenders: p.tenders,
    voidedCardReference: null,
    originSeq: seq,
    // Lines from stores before #25 carry no discount: 0.
    discountMinor: p.lines.reduce((n, l) => n + (l.discountMinor ?? 0), 0),
    promotions: p.promotions?.length ? p.promotions : null,
    rulesRevision: p.rulesRevision ?? null,
    customerCardPresent: p.customerCard !== undefined,
  };
}

/** A voided basket is in the ledger for the count of voids; it moved no money. */
export function voidedRow(p: SaleVoided, seq: number, zone: string): NewSale {
  return {
    saleId: p.saleId,
    number: p.number ?? null,
    status: 'VOIDED',
    lane: p.lane,
    currency: p.currency,
    openedAt: p.openedAt,
    closedAt: p.voidedAt,
    day: localDay(p.voidedAt, zone),
    subtotalMinor: 0,
    taxMinor: 0,
    totalMinor: 0,
    lines: p.lines,
    tenders: [],
    voidedCardReference: p.voidedCardReference,
    originSeq: seq,
    discountMinor: 0,
    promotions: null,
    rulesRevision: null,
    customerCardPresent: false,
  };
}

/** A return as written; `status` is what judging it against its sale said (return-checks.ts). */
export function returnRow(p: SaleReturned, seq: number, zone: string, status: NewReturn['status']): NewReturn {
  return {
    returnId: p.returnId,
    saleId: p.saleId,
    number: p.number ?? null,
    saleNumber: p.saleNumber ?? null,
    currency: p.currency,
    at: p.at,
    day: localDay(p.at, zone),
    refundMinor: p.refundMinor,
    lines: p.lines,
    refund: p.refund,
    originSeq: seq,
    status,
  };
}
