import type { DbTarget } from '../../../../tests/support/db-targets.js';
import type { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { tagsParts, type TagsParts } from '../index.js';
import { tagsTestHub } from './support-hub.js';

/** A test hub for the bulk jobs: signed in as head office, with the tags module's parts at hand. */
export interface BulkHub {
  readonly t: TestHub;
  readonly admin: string;
  readonly parts: TagsParts;
  call<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }>;
  /** Products in the catalog: `${prefix}-00001` … */
  products(prefix: string, count: number): Promise<string[]>;
  /** A tag made with plain SQL (schema/001), as the tree's routes would; its id. */
  tag(slug: string, parentId?: number | null): Promise<number>;
  /** The tags given to each sku (skus never tagged are left out). */
  tagsOf(skus: readonly string[]): Promise<Map<string, number[]>>;
  /** Polls the job until `done(job)` holds (generous deadline). */
  until(id: string, what: string, done: (job: any) => boolean, timeoutMs?: number): Promise<any>;
  stop(): Promise<void>;
}

export async function bulkHub(target: DbTarget, batch: number): Promise<BulkHub> {
  const { t, ctx } = await tagsTestHub(target, { tuning: { tagsBulkBatch: batch } });
  const admin = await t.login();
  const parts = tagsParts(ctx);
  const db = t.hub.db;
  const call = (method: string, path: string, body?: unknown) => t.call(method, path, body, { cookie: admin });
  return {
    t,
    admin,
    parts,
    call,
    async products(prefix, count) {
      await db.query(
        `INSERT INTO catalog_products (sku, name, category, price_minor, tax_class, updated_at)
         SELECT $1 || '-' || lpad(i::text, 5, '0'), 'Product ' || i, 'Test', 100, 'STANDARD', 1
         FROM generate_series(1, $2::int) AS i`,
        [prefix, count],
      );
      return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(5, '0')}`);
    },
    async tag(slug, parentId = null) {
      const { rows } = await db.query<{ id: number }>(
        `INSERT INTO tags (slug, name, kind, parent_id, path, depth, created_at, updated_at, version)
         SELECT $1, $1, 'PROMOTION', p.id, COALESCE(p.path || '.', '') || $1, COALESCE(p.depth, 0) + 1, 1, 1,
                nextval('tags_version')
         FROM (SELECT NULL::int AS pid) x LEFT JOIN tags p ON p.id = $2::int RETURNING id`,
        [slug, parentId],
      );
      return rows[0]!.id;
    },
    async tagsOf(skus) {
      const { rows } = await db.query<{ sku: string; tag_ids: number[] }>(
        'SELECT sku, tag_ids FROM tag_products WHERE sku = ANY($1::text[])',
        [skus],
      );
      return new Map(rows.map((r) => [r.sku, r.tag_ids]));
    },
    async until(id, what, done, timeoutMs = 60_000) {
      return waitFor(
        what,
        async () => {
          // a poll the server reset (a kept-alive socket closed under it) is just another look
          const r = await call('GET', `/api/tags/bulk-jobs/${id}`).catch(() => undefined);
          if (!r) return false;
          return r.status === 200 && done(r.body) ? r.body : false;
        },
        timeoutMs,
      );
    },
    stop: () => t.stop(),
  };
}

/** A gate a job waits at before chunk `at`: `reached` resolves when it got there, `open()` lets it on. */
export function chunkGate(parts: TagsParts, at: number) {
  let reach!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((r) => {
    reach = r;
  });
  const opened = new Promise<void>((r) => {
    open = r;
  });
  parts.bulk.beforeChunk = async (_id, chunk) => {
    if (chunk !== at) return;
    reach();
    await opened;
  };
  return { reached, open, clear: () => (parts.bulk.beforeChunk = undefined) };
}
