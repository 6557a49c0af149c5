import { randomUUID } from 'node:crypto';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import type { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import { dayOf } from '../analytics-repository.js';
import { type TagsParts, tagsParts } from '../index.js';
import type { TagChange } from '../types.js';
import { tagsTestHub } from './support-hub.js';

export const DAY = 86_400_000;

/**
 * A hub for the analytics tests: tags made with plain SQL (as the tree's own routes would leave them), products in the
 * catalog and tagged through TagWriter (the one write path, which counts the day's uses), the hub's clock put at noon
 * UTC of any day, and the tags module's parts for the search counter.
 */
export class AnalyticsHarness {
  readonly ids: Record<string, number> = {};
  #cookie: Promise<string> | undefined;

  private constructor(
    readonly t: TestHub,
    readonly ctx: HubContext,
  ) {}

  static async start(target: DbTarget): Promise<AnalyticsHarness> {
    // sessions outlive the clock's moves (the fixture spans four weeks)
    const { t, ctx } = await tagsTestHub(target, { sessionTtlSeconds: 90 * 86_400 });
    return new AnalyticsHarness(t, ctx);
  }

  get parts(): TagsParts {
    return tagsParts(this.ctx);
  }

  /** Today's day number by the real clock (the fixture's "today" is counted from it). */
  static realToday(): number {
    return dayOf(Date.now());
  }

  /** Puts the hub's clock at noon UTC of `day` (time runs on from there). */
  at(day: number): void {
    this.t.clock.offsetMs = day * DAY + 12 * 3_600_000 - Date.now();
  }

  /** An ADMIN session (signed in once). */
  admin(): Promise<string> {
    this.#cookie ??= this.t.login();
    return this.#cookie;
  }

  /**
   * GET as an ADMIN (or `who`). A GET that meets a connection reset is asked once more: on a loaded machine the
   * server's keep-alive timer can close a socket just as fetch reuses it, and a GET is safe to repeat.
   */
  async get(path: string, who?: { cookie?: string; bearer?: string }) {
    const as = who ?? { cookie: await this.admin() };
    try {
      return await this.t.call('GET', path, undefined, as);
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
      return this.t.call('GET', path, undefined, as);
    }
  }

  async products(skus: readonly string[]): Promise<void> {
    const r = await this.t.call(
      'POST',
      '/api/catalog/products/import',
      { items: skus.map((sku) => ({ sku, name: `Product ${sku}`, category: 'Test', priceMinor: 100 })) },
      { cookie: await this.admin(), idempotencyKey: randomUUID() },
    );
    if (r.status !== 200) throw new Error(`catalog import: ${r.status} ${JSON.stringify(r.body)}`);
  }

  /** A live tag (or a tombstone), under `parent` (a slug made before), at a new version; the replicas told. */
  async tag(slug: string, name: string, parent: string | null = null, deleted = false): Promise<number> {
    const p = parent
      ? await this.ctx.db.query<{ path: string; depth: number }>('SELECT path, depth FROM tags WHERE id = $1', [
          this.ids[parent],
        ])
      : null;
    const path = p ? `${p.rows[0]!.path}.${slug}` : slug;
    const depth = p ? Number(p.rows[0]!.depth) + 1 : 1;
    const now = this.ctx.now();
    const id = await this.ctx.db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('tags_version'))");
      const { rows } = await tx.query<{ id: number; version: string }>(
        `INSERT INTO tags (slug, name, kind, parent_id, path, depth, deleted, created_at, updated_at, version)
         VALUES ($1, $2, 'CATEGORY', $3, $4, $5, $6, $7, $7, nextval('tags_version')) RETURNING id, version::text`,
        [slug, name, parent ? this.ids[parent] : null, path, depth, deleted, now],
      );
      await tx.query("SELECT pg_notify('tags_changed', $1)", [rows[0]!.version]);
      return rows[0]!.id;
    });
    this.ids[slug] = id;
    return id;
  }

  /** Changes products' tags (by slug) through TagWriter, at the hub's clock. */
  async write(skus: readonly string[], action: TagChange['action'], slugs: readonly string[]): Promise<void> {
    const tagIds = slugs.map((s) => {
      const id = this.ids[s];
      if (id === undefined) throw new Error(`no tag ${s} in the fixture`);
      return id;
    });
    await this.ctx.db.transaction((tx) => this.parts.writer.write(tx, skus, { action, tagIds }));
  }

  /** Counts `times` searches naming these tags (by slug) at the hub's clock, and writes them. */
  async searched(slugs: readonly string[], times = 1): Promise<void> {
    for (let i = 0; i < times; i++) this.parts.analytics.searched(slugs.map((s) => this.ids[s]!));
    await this.parts.analytics.searches.flush();
  }

  /** Waits (generously) for the tag index to be READY. */
  async indexReady(): Promise<void> {
    await waitFor('the tag index to be READY', () => this.parts.index.status().state === 'READY', 60_000);
  }

  async stop(): Promise<void> {
    await this.t.stop();
  }
}
