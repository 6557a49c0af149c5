import Database from 'better-sqlite3';

/** What one end holds for one sku: on hand, units sold, and the store's outbox seqs of the sale movements. */
export interface SkuCount {
  onHand: number;
  soldUnits: number;
  saleSeqs: number[];
}
export type StockView = Record<string, SkuCount>;

/** The devices package's seeded generator (mulberry32), so a failing run can be repeated with its CHAOS_SEED. */
export { seededRandom } from '@storefleet/devices';

export interface RingUpOutcome {
  /** Sales the till answered COMPLETED (so far): each must be in the store's file whatever happened next. */
  completed: string[];
  /** Answers that were not 2xx (none is expected: the till sells without the hub). */
  refused: string[];
  /** Lanes stopped because the node stopped answering (a killed store). */
  unreachable: number;
}

/**
 * Rings up sales at the node's till API as `lanes` lanes at once: each opens a basket, scans 1–3 skus at 1–3 units
 * and takes cash. A lane stops at the first request the node does not answer. `out` fills in as the sales go.
 */
export function ringUp(
  url: string,
  skus: readonly string[],
  lanes: number,
  salesPerLane: () => number,
  random: () => number,
): { out: RingUpOutcome; done: Promise<RingUpOutcome> } {
  const out: RingUpOutcome = { completed: [], refused: [], unreachable: 0 };
  const call = async (path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const answer = (await res.json()) as any;
    if (!res.ok) out.refused.push(`${path}: ${res.status} ${answer?.detail ?? ''}`);
    return res.ok ? answer : undefined;
  };
  const lane = async (n: number) => {
    try {
      for (let i = 0; i < n; i++) {
        const sale = await call('/api/pos/sales');
        if (!sale) return;
        const picked = [...skus].sort(() => random() - 0.5).slice(0, 1 + Math.floor(random() * 3));
        for (const sku of picked)
          await call(`/api/pos/sales/${sale.id}/lines`, { code: sku, qty: 1 + Math.floor(random() * 3) });
        const done = await call(`/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 100_000 });
        if (done?.status === 'COMPLETED') out.completed.push(sale.id);
      }
    } catch {
      out.unreachable++;
    }
  };
  const done = Promise.all(Array.from({ length: lanes }, () => lane(salesPerLane()))).then(() => out);
  return { out, done };
}

/** The store's side, read from its SQLite file as another process would (the node may be running or dead). */
export function storeStock(dbPath: string): {
  view: StockView;
  received: Record<string, number>;
  completed: Set<string>;
} {
  const db = new Database(dbPath, { readonly: true });
  try {
    const view: StockView = {};
    const at = (sku: string) => (view[sku] ??= { onHand: 0, soldUnits: 0, saleSeqs: [] });
    for (const r of db.prepare('SELECT sku, on_hand FROM stock').all() as { sku: string; on_hand: number }[])
      at(r.sku).onHand = r.on_hand;
    const sold = db
      .prepare(
        "SELECT l.sku, SUM(l.qty) AS units FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE s.status = 'COMPLETED' GROUP BY l.sku",
      )
      .all() as { sku: string; units: number }[];
    for (const r of sold) at(r.sku).soldUnits = r.units;
    const moves = db
      .prepare(
        `SELECT seq, json_extract(payload, '$.sku') AS sku, json_extract(payload, '$.kind') AS kind, json_extract(payload, '$.delta') AS delta
         FROM sync_outbox WHERE type = 'stock.moved' ORDER BY seq`,
      )
      .all() as { seq: number; sku: string; kind: string; delta: number }[];
    const received: Record<string, number> = {};
    for (const m of moves) {
      if (m.kind === 'SALE') at(m.sku).saleSeqs.push(m.seq);
      if (m.kind === 'RECEIVE') received[m.sku] = (received[m.sku] ?? 0) + m.delta;
    }
    const completed = new Set(db.prepare("SELECT id FROM sales WHERE status = 'COMPLETED'").pluck().all() as string[]);
    return { view, received, completed };
  } finally {
    db.close();
  }
}

/**
 * Events in the store's outbox the hub has not acknowledged yet (uploading, or waiting to be), read from its file as
 * another process would: a fault that lands while this is above 0 lands with work in flight.
 */
export function unackedEvents(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db
      .prepare("SELECT count(*) FROM sync_outbox WHERE seq > (SELECT value FROM sync_state WHERE key = 'acked_seq')")
      .pluck()
      .get() as number;
  } finally {
    db.close();
  }
}

/** The hub's side, asked over its API with the store's own token, as the store's screens would ask it. */
export class HubStock {
  #token: string | undefined;
  /** Why the last `view()` came back empty. */
  lastError = '';
  constructor(
    readonly hubUrl: string,
    readonly cred: { storeId: string; secret: string },
  ) {}

  async #get(path: string): Promise<any> {
    if (!this.#token) {
      const res = await fetch(`${this.hubUrl}/api/auth/store-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(this.cred),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`store token: ${res.status}`);
      this.#token = ((await res.json()) as { token: string }).token;
    }
    const res = await fetch(this.hubUrl + path, {
      headers: { authorization: `Bearer ${this.#token}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status === 401) this.#token = undefined;
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return res.json();
  }

  /** Per sku: the hub's on hand for this store, and its sale movements; undefined while the hub does not answer. */
  async view(): Promise<StockView | undefined> {
    try {
      const base = `/api/inventory/stores/${this.cred.storeId}/stock`;
      const levels = (await this.#get(`${base}?limit=500`)).items as { sku: string; onHand: number }[];
      const view: StockView = {};
      for (const l of levels) {
        const moves = (await this.#get(`${base}/${encodeURIComponent(l.sku)}/movements?limit=1000`)).items as {
          kind: string;
          delta: number;
          originSeq: number;
        }[];
        // The route shows the newest 1,000: past that the check could not see a doubled or lost sale.
        if (moves.length >= 1000) throw new Error(`more than 999 movements of ${l.sku}: lower CHAOS_TRIALS`);
        const sales = moves.filter((m) => m.kind === 'SALE');
        view[l.sku] = {
          onHand: l.onHand,
          soldUnits: 0 - sales.reduce((n, m) => n + m.delta, 0),
          saleSeqs: sales.map((m) => m.originSeq).sort((a, b) => a - b),
        };
      }
      return view;
    } catch (err) {
      if ((err as Error).message.includes('lower CHAOS_TRIALS')) throw err;
      this.lastError = `the hub did not answer: ${(err as Error).message}`;
      return undefined;
    }
  }
}
