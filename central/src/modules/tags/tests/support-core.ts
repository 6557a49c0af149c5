import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Db } from '../../../db/db.js';
import { createHub, type Hub } from '../../../index.js';
import type { HubTuning } from '../../../kernel/hub-settings.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import { ADMIN, type ApiAnswer, type Caller } from '../../../../tests/support/test-hub.js';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { tagsParts } from '../index.js';
import type { TagIndex } from '../index/tag-index.js';
import { tagsModules } from './support-hub.js';

export { waitFor };

/** A tag as the API answers it. */
export interface WireTag {
  id: number;
  slug: string;
  name: string;
  kind: string;
  parentId: number | null;
  path: string;
  depth: number;
  version: number;
  products: number | null;
  ownProducts: number | null;
}

/**
 * A hub for the tags core's tests, with the tags module's context caught (so a test reads the hub's own index) and
 * an admin signed in. `TagsHub.start(target)` opens a fresh database; `TagsHub.join(url)` starts a second hub (a
 * replica) on the same Postgres database.
 */
export class TagsHub {
  private constructor(
    readonly hub: Hub,
    readonly url: string,
    readonly admin: string,
    readonly context: HubContext,
    readonly databaseUrl: string | undefined,
    private readonly drop: (() => Promise<void>) | null,
  ) {}

  static async start(target: DbTarget): Promise<TagsHub> {
    const db = await target.open();
    return TagsHub.open(db.databaseUrl, db.dataDir, true, db.drop);
  }

  /**
   * A second hub process on the same database (Postgres only): no admin created, no database dropped. `tuning`
   * overrides hub settings (a replica whose periodic index check never comes: TAGS_INDEX_CHECK_MS at its maximum).
   */
  static join(databaseUrl: string, tuning?: Partial<HubTuning>): Promise<TagsHub> {
    return TagsHub.open(databaseUrl, undefined, false, null, tuning);
  }

  /** A hub on this database (`first`: create the admin); `drop` runs after it stops. */
  static async open(
    databaseUrl: string | undefined,
    dataDir: string | undefined,
    first: boolean,
    drop: (() => Promise<void>) | null,
    tuning?: Partial<HubTuning>,
  ): Promise<TagsHub> {
    const { modules, context } = await tagsModules();
    const hub = await createHub({ port: 0, logLevel: 'silent', mode: 'test', databaseUrl, dataDir, modules, tuning });
    if (first) await hub.auth.createUser({ ...ADMIN, name: 'Test Admin', role: 'ADMIN' });
    const url = await hub.start();
    const res = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
    const admin = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    return new TagsHub(hub, url, admin, context(), databaseUrl, drop);
  }

  get index(): TagIndex {
    return tagsParts(this.context).index;
  }

  async call<T = any>(method: string, path: string, body?: unknown, who: Caller = {}): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = {};
    if (who.bearer) headers.authorization = `Bearer ${who.bearer}`;
    if (who.cookie) headers.cookie = who.cookie;
    let payload: string | undefined = who.rawBody;
    if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = who.contentType ?? 'application/json';
    // every call carries an Idempotency-Key and is asked once more if the connection resets (the server's keep-alive
    // closing a socket just as fetch reuses it, seen on a loaded machine): a repeated write is answered as the first
    headers['idempotency-key'] = who.idempotencyKey ?? randomUUID();
    const send = () => fetch(this.url + path, { method, headers, body: payload });
    const res = await send().catch((err: unknown) => {
      if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw err;
      return send();
    });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  /** As head office; throws with the body unless the status is `status`. */
  async as<T = any>(method: string, path: string, body?: unknown, status = 200): Promise<T> {
    const r = await this.call<T>(method, path, body, { cookie: this.admin });
    if (r.status !== status) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Puts products in the catalog (one statement), so they may be tagged. */
  async catalog(skus: readonly string[]): Promise<void> {
    await this.hub.db.query(
      `INSERT INTO catalog_products (sku, name, category, price_minor, tax_class, updated_at)
       SELECT s, 'Product ' || s, 'test', 100, 'standard', 0 FROM unnest($1::text[]) s ON CONFLICT (sku) DO NOTHING`,
      [skus],
    );
  }

  tag(slug: string, parentId: number | null = null): Promise<WireTag> {
    return this.as('POST', '/api/tags', { slug, name: slug, kind: 'CATEGORY', parentId }, 201);
  }

  /** Every sku a query matches, through the search API's pages. */
  async searchAll(q: string, limit = 500): Promise<string[]> {
    const out: string[] = [];
    let after: string | null = null;
    for (;;) {
      const qs: URLSearchParams = new URLSearchParams({ q, limit: String(limit), ...(after ? { after } : {}) });
      const page: { items: { sku: string }[]; next: string | null } = await this.as('GET', `/api/tags/search?${qs}`);
      out.push(...page.items.map((i) => i.sku));
      after = page.next;
      if (!after) return out;
    }
  }

  async waitReady(): Promise<void> {
    await waitFor('the tag index READY', () => this.index.status().state === 'READY', 120_000);
  }

  async stop(): Promise<void> {
    await this.hub.stop();
    await this.drop?.();
  }
}

/**
 * Checks the hub's index against Postgres: for every live tag, its closure bitmap equals the products whose tags
 * include it or a tag below it (SQL over the paths), and every product row has a number in all().
 */
export async function expectIndexEqualsPostgres(h: TagsHub): Promise<void> {
  const { rows: v } = await h.hub.db.query<{ v: string }>(
    `SELECT greatest((SELECT max(version) FROM tags), (SELECT max(version) FROM tag_products), 0)::text AS v`,
  );
  // the index must get there on its own (a notice, or its periodic check) — caughtUp would read Postgres for it
  const version = Number(v[0]!.v);
  await waitFor(`the index at version ${version}`, () => h.index.status().version >= version, 60_000);
  const { rows: own } = await h.hub.db.query<{ id: number; nos: number[] | null }>(
    `SELECT t.id, (SELECT array_agg(p.product_no ORDER BY p.product_no) FROM tag_products p
                   WHERE t.id = ANY(p.tag_ids)) AS nos
     FROM tags t WHERE NOT t.deleted ORDER BY t.id`,
  );
  expect(own.map((r) => ({ id: r.id, nos: Array.from(h.index.own(r.id).toArray()) }))).toEqual(
    own.map((r) => ({ id: r.id, nos: r.nos ?? [] })),
  );
  const { rows } = await h.hub.db.query<{ id: number; nos: number[] | null }>(
    `SELECT t.id, (SELECT array_agg(p.product_no ORDER BY p.product_no) FROM tag_products p
                   WHERE EXISTS (SELECT 1 FROM unnest(p.tag_ids) g JOIN tags s ON s.id = g
                                 WHERE s.path = t.path OR left(s.path, length(t.path) + 1) = t.path || '.')) AS nos
     FROM tags t WHERE NOT t.deleted ORDER BY t.id`,
  );
  const fromIndex = rows.map((r) => ({ id: r.id, nos: Array.from(h.index.closure(r.id).toArray()) }));
  expect(fromIndex).toEqual(rows.map((r) => ({ id: r.id, nos: r.nos ?? [] })));
  const { rows: all } = await h.hub.db.query<{ n: string }>('SELECT count(*)::text AS n FROM tag_products');
  expect(h.index.all().size).toBe(Number(all[0]!.n));
  expect(h.index.tags().map((t) => t.path)).toEqual(
    (await h.hub.db.query<{ path: string }>('SELECT path FROM tags WHERE NOT deleted')).rows
      .map((r) => r.path)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/**
 * The hub's database with a rebuild's range reads held at a gate while `holding` (from the start unless told
 * otherwise) until `open()`, and its product count refused while `failing`.
 */
export function gatedDb(db: Db, holding = true) {
  let open!: () => void;
  const gate = {
    holding,
    failing: false,
    opened: new Promise<void>((r) => (open = r)),
    open: () => open(),
    reached: false,
  };
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'query') {
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      }
      return async (text: string, params?: unknown[]) => {
        if (text.includes('count(*)::text AS n FROM tag_products') && gate.failing) {
          throw new Error('the database went away');
        }
        if (gate.holding && text.includes('FROM tag_products WHERE product_no BETWEEN $1 AND $2')) {
          gate.reached = true;
          await gate.opened;
        }
        return target.query(text, params as never);
      };
    },
  });
  return { db: proxy as Db, gate };
}
