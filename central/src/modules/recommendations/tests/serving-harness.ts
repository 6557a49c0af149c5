import { randomUUID } from 'node:crypto';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { type ApiAnswer, type Caller, TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import type { Db } from '../../../db/db.js';
import { InteractionsRepository } from '../interactions-repository.js';
import type { Candidate, NeighbourKind } from '../types.js';

/** A product the serving tests put in the catalog. */
export interface TestProduct {
  readonly sku: string;
  readonly name: string;
  readonly category: string;
  readonly size?: string;
}

/** What a model the tests write holds: the rows training would write (scores 0..1, best first). */
export interface TestModel {
  readonly customers?: readonly [customerId: string, items: readonly Candidate[]][];
  readonly neighbours?: readonly [sku: string, kind: NeighbourKind, items: readonly Candidate[]][];
  readonly popular?: readonly [scope: string, items: readonly Candidate[]][];
}

export const cand = (sku: string, score: number, why: string | null = null): Candidate => ({ sku, score, why });

/**
 * Writes an ACTIVE model's rows as training would (the old ACTIVE one retired), finished at `now`; its version. For
 * tests that need a model without a training run (serving, the access matrix, the fuzz test).
 */
export function writeActiveModel(db: Db, now: number, m: TestModel): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query("UPDATE recs_models SET state = 'RETIRED' WHERE state = 'ACTIVE'");
    const { rows } = await tx.query<{ version: number }>(
      "INSERT INTO recs_models (state, started_at, finished_at) VALUES ('ACTIVE', $1, $1) RETURNING version",
      [now],
    );
    const v = Number(rows[0]!.version);
    for (const [customerId, items] of m.customers ?? [])
      await tx.query(
        'INSERT INTO recs_customer_candidates (model_version, customer_id, items) VALUES ($1, $2, $3::jsonb)',
        [v, customerId, JSON.stringify(items)],
      );
    for (const [sku, kind, items] of m.neighbours ?? [])
      await tx.query(
        'INSERT INTO recs_product_neighbours (model_version, sku, kind, items) VALUES ($1, $2, $3, $4::jsonb)',
        [v, sku, kind, JSON.stringify(items)],
      );
    for (const [scope, items] of m.popular ?? [])
      await tx.query('INSERT INTO recs_popular (model_version, scope, items) VALUES ($1, $2, $3::jsonb)', [
        v,
        scope,
        JSON.stringify(items),
      ]);
    return v;
  });
}

/**
 * A hub for the serving, experiments and routes tests: head office, stores A and B, products in the catalog, and the
 * ACTIVE model rows the tests write themselves (as training would), so serving is tested without a training run.
 */
export class RecsHarness {
  private constructor(
    readonly t: TestHub,
    readonly admin: Caller,
    readonly storeA: { id: string; token: string },
    readonly storeB: { id: string; token: string },
  ) {}

  static async start(target: DbTarget): Promise<RecsHarness> {
    const t = await TestHub.start(target);
    const cookie = await t.login();
    const a = await t.store(`RECS-A-${randomUUID().slice(0, 4)}`, cookie);
    const b = await t.store(`RECS-B-${randomUUID().slice(0, 4)}`, cookie);
    return new RecsHarness(t, { cookie }, { id: a.id, token: a.token }, { id: b.id, token: b.token });
  }

  get db() {
    return this.t.hub.db;
  }

  get<T = any>(path: string, who: Caller = this.admin): Promise<ApiAnswer<T>> {
    return this.t.call<T>('GET', path, undefined, who);
  }

  post<T = any>(path: string, body: unknown, who: Caller = this.admin): Promise<ApiAnswer<T>> {
    return this.t.call<T>('POST', path, body, who);
  }

  async products(list: readonly TestProduct[]): Promise<void> {
    const r = await this.post('/api/catalog/products/import', {
      items: list.map((p) => ({
        sku: p.sku,
        name: p.name,
        category: p.category,
        size: p.size ?? null,
        priceMinor: 250,
      })),
    });
    if (r.status !== 200) throw new Error(`catalog import: ${r.status} ${JSON.stringify(r.body)}`);
  }

  /** Sets what a store has on hand of a sku (0: a row that says none). */
  async stock(storeId: string, sku: string, onHand: number): Promise<void> {
    await this.db.query(
      `INSERT INTO inventory_stock (store_id, sku, on_hand, updated_at) VALUES ($1, $2, $3, 1)
       ON CONFLICT (store_id, sku) DO UPDATE SET on_hand = EXCLUDED.on_hand`,
      [storeId, sku, onHand],
    );
  }

  /** A customer signed up at the store of `who` (which is linked to them from then on). */
  async customer(who: Caller, name = 'Test Customer'): Promise<string> {
    const r = await this.post('/api/customers', { name }, who);
    if (r.status !== 201) throw new Error(`customer sign-up: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.id as string;
  }

  /** A purchase as the orders module would record it. */
  async purchase(customerId: string, sku: string): Promise<void> {
    await new InteractionsRepository(this.db).record([
      {
        customerId,
        sku,
        kind: 'PURCHASE',
        storeId: null,
        source: 'order',
        sourceRef: `order-${randomUUID()}`,
        at: Date.now() + this.t.clock.offsetMs,
      },
    ]);
  }

  /** Writes a model as training would (the old ACTIVE one retired) and waits until serving answers from it. */
  async model(m: TestModel): Promise<number> {
    const now = Date.now() + this.t.clock.offsetMs;
    const version = await writeActiveModel(this.db, now, m);
    await waitFor(
      `serving answers from model ${version}`,
      async () => (await this.get('/api/recommendations?surface=home')).body?.modelVersion === version,
      30_000,
    );
    return version;
  }

  /** The skus of a list, for comparisons. */
  static skus(answer: ApiAnswer): string[] {
    return (answer.body.items as { sku: string }[]).map((i) => i.sku);
  }

  async stop(): Promise<void> {
    await this.t.stop();
  }
}
