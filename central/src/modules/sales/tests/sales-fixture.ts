import { hlcEncode, type SaleCompleted, type SaleReturned, type SaleVoided, type WireEvent } from '@storefleet/shared';
import type { TestHub } from '../../../../tests/support/test-hub.js';

/** A paid sale of `lines` ([sku, qty, unit price]) at 10% tax, closed at `closedAt`. */
export function completed(
  saleId: string,
  closedAt: number,
  lines: [string, number, number][],
  lane: string | null = 'LANE-1',
): SaleCompleted {
  const rows = lines.map(([sku, qty, unit]) => ({
    sku,
    qty,
    unitPriceMinor: unit,
    taxClass: 'STANDARD',
    subtotalMinor: qty * unit,
    taxMinor: Math.round(qty * unit * 0.1),
  }));
  const subtotalMinor = rows.reduce((n, l) => n + l.subtotalMinor, 0);
  const taxMinor = rows.reduce((n, l) => n + l.taxMinor, 0);
  const totalMinor = subtotalMinor + taxMinor;
  return {
    saleId,
    lane,
    currency: 'USD',
    openedAt: closedAt - 60_000,
    closedAt,
    lines: rows,
    subtotalMinor,
    taxMinor,
    totalMinor,
    tenders: [{ kind: 'CARD', amountMinor: totalMinor, reference: `AUTH-${saleId}` }],
  };
}

export function voided(saleId: string, voidedAt: number): SaleVoided {
  return {
    saleId,
    lane: 'LANE-1',
    currency: 'USD',
    openedAt: voidedAt - 30_000,
    voidedAt,
    lines: [{ sku: 'MUG', qty: 1 }],
    voidedCardReference: null,
  };
}

export function returned(
  returnId: string,
  saleId: string,
  at: number,
  sku: string,
  qty: number,
  refundMinor: number,
): SaleReturned {
  return {
    returnId,
    saleId,
    currency: 'USD',
    at,
    lines: [{ sku, qty, refundMinor }],
    refundMinor,
    refund: { kind: 'CASH' },
  };
}

/** A store's outbox as the hub sees it: each event gets the store's next seq, and goes up through the real apply path. */
export class StoreOutbox {
  #seq = 0;
  constructor(
    readonly t: TestHub,
    readonly storeId: string,
  ) {}

  event(type: string, payload: unknown): WireEvent {
    this.#seq += 1;
    return {
      origin: this.storeId,
      seq: this.#seq,
      hlc: hlcEncode({ wallMs: Date.now(), counter: this.#seq, node: this.storeId }),
      type,
      payload,
    };
  }

  /** Sends the events as one batch (as the sync client does) and returns the hub's answer. */
  send(...events: WireEvent[]) {
    return this.t.hub.sync.repo.applyBatch(this.storeId, events, 0);
  }
}

/** What the hub parked for the store, as the console's parked list shows it. */
export async function parkedOf(
  t: TestHub,
  admin: string,
  storeId: string,
): Promise<{ seq: number; type: string; reason: string }[]> {
  const r = await t.call('GET', `/api/sync/parked?storeId=${storeId}`, undefined, { cookie: admin });
  if (r.status !== 200) throw new Error(`parked list: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.items.map((p: { seq: number; type: string; reason: string }) => ({
    seq: p.seq,
    type: p.type,
    reason: p.reason,
  }));
}
