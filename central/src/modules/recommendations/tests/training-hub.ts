import type { Candidate } from '../types.js';
import { discoverModules } from '../../../kernel/discover-modules.js';
import type { HubContext, HubModule } from '../../../kernel/module-contract.js';
import { provided } from '../../../kernel/ports.js';
import { type Interaction, RECS_INTERACTIONS } from '../../../kernel/ports/recommendations.js';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { type RecsParts, recsParts } from '../index.js';

/**
 * A test hub with the recommendations module's context caught when the hub mounts its routes, so a training test
 * reaches the module's parts and records interactions through the port RECS_INTERACTIONS as other modules do.
 */
export class TrainingHub {
  #seq = 0;
  private constructor(
    readonly t: TestHub,
    readonly ctx: HubContext,
    readonly module: HubModule,
  ) {}

  static async start(target: DbTarget): Promise<TrainingHub> {
    let caught: HubContext | undefined;
    let recs: HubModule | undefined;
    const modules = (await discoverModules()).map((m): HubModule => {
      if (m.name !== 'recommendations') return m;
      recs = m;
      return {
        ...m,
        routes: (ctx) => {
          caught = ctx;
          return m.routes!(ctx);
        },
      };
    });
    const t = await TestHub.start(target, { modules });
    if (!caught || !recs) throw new Error('the recommendations module mounted no routes');
    return new TrainingHub(t, caught, recs);
  }

  get parts(): RecsParts {
    return recsParts(this.ctx);
  }

  /** Records interactions as the orders, carts and sales modules do: through the port, in a transaction. */
  async record(list: readonly Omit<Interaction, 'source' | 'sourceRef' | 'at'>[]): Promise<void> {
    const sink = provided(this.module.provides!(this.ctx), RECS_INTERACTIONS)!;
    const at = this.ctx.now();
    await this.ctx.db.transaction((tx) =>
      sink.record(
        tx,
        list.map((i) => ({ ...i, source: 'order' as const, sourceRef: `test-${++this.#seq}`, at })),
      ),
    );
  }

  async products(items: readonly { sku: string; name: string; category: string; brand?: string }[]): Promise<void> {
    const cookie = await this.t.login();
    const r = await this.t.call(
      'POST',
      '/api/catalog/products/import',
      { items: items.map((p) => ({ brand: null, ...p, priceMinor: 199 })) },
      { cookie },
    );
    if (r.status !== 200) throw new Error(`catalog import: ${r.status} ${JSON.stringify(r.body)}`);
  }

  async candidates(version: number, customerId: string): Promise<Candidate[] | undefined> {
    const { rows } = await this.t.hub.db.query<{ items: Candidate[] }>(
      'SELECT items FROM recs_customer_candidates WHERE model_version = $1 AND customer_id = $2',
      [version, customerId],
    );
    return rows[0]?.items;
  }

  async neighbours(version: number, sku: string, kind: 'BOUGHT_WITH' | 'SIMILAR'): Promise<Candidate[] | undefined> {
    const { rows } = await this.t.hub.db.query<{ items: Candidate[] }>(
      'SELECT items FROM recs_product_neighbours WHERE model_version = $1 AND sku = $2 AND kind = $3',
      [version, sku, kind],
    );
    return rows[0]?.items;
  }

  async popular(version: number, scope: string): Promise<Candidate[] | undefined> {
    const { rows } = await this.t.hub.db.query<{ items: Candidate[] }>(
      'SELECT items FROM recs_popular WHERE model_version = $1 AND scope = $2',
      [version, scope],
    );
    return rows[0]?.items;
  }

  /** How many candidate rows of any kind model `version` has. */
  async rowsOf(version: number): Promise<number> {
    const { rows } = await this.t.hub.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM recs_customer_candidates WHERE model_version = $1)
            + (SELECT count(*) FROM recs_product_neighbours WHERE model_version = $1)
            + (SELECT count(*) FROM recs_popular WHERE model_version = $1) AS n`,
      [version],
    );
    return Number(rows[0]!.n);
  }

  async states(): Promise<Map<number, string>> {
    const { rows } = await this.t.hub.db.query<{ version: number; state: string }>(
      'SELECT version, state FROM recs_models ORDER BY version',
    );
    return new Map(rows.map((r) => [Number(r.version), r.state]));
  }

  async stop(): Promise<void> {
    await this.t.stop();
  }
}
