import type { HubAccessRole } from '../../src/kernel/access-matrix.js';
import type { TestHub } from './test-hub.js';
import { waitFor } from './wait-for.js';

/**
 * The tags module's bulk jobs for the access matrix and the fuzz test (lane B of #20): a tag of its own, a finished
 * job to read (with its failure report: one unknown sku), a job PREPARING to add skus to, one PREPARING to start, one
 * PREPARING to cancel, and a CANCELLED one to retry. Made through the API as head office would.
 */
export async function tagsBulkAccessFixture(t: TestHub, admin: string, sku: string) {
  const must = async (what: string, method: string, path: string, body?: unknown) => {
    const r = await t.call(method, path, body, { cookie: admin });
    if (r.status >= 300) throw new Error(`fixture: ${what} answered ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const tag = await must('bulk tag', 'POST', '/api/tags', {
    slug: 'matrix-bulk',
    name: 'Matrix bulk',
    kind: 'PROMOTION',
    parentId: null,
  });
  const job = (what: string, more: boolean) =>
    must(what, 'POST', '/api/tags/bulk-jobs', {
      action: 'ADD',
      tagIds: [tag.id],
      skus: [sku, 'MATRIX-NO-SUCH-SKU'],
      ...(more ? { more: true } : {}),
    });
  const read = await job('bulk job to read', false);
  // finished, and its run recorded as finished too (the runner writes that just after the job's last write), so
  // nothing changes in the database behind the fuzz test's back
  await waitFor('the bulk job to read to finish', async () => {
    const { rows } = await t.hub.db.query<{ state: string; run: string | null }>(
      'SELECT j.state, r.state AS run FROM tag_bulk_jobs j LEFT JOIN job_runs r ON r.id = j.run_id::text WHERE j.id = $1',
      [read.id],
    );
    return rows[0]?.state === 'DONE' && rows[0].run === 'DONE';
  });
  // the stores told of the job's writes (the tags announcer's broadcast, every 2 s), also before the fuzz test looks
  await waitFor('the bulk job’s writes announced to the stores', async () => {
    const { rows } = await t.hub.db.query<{ behind: boolean }>(
      `SELECT (SELECT version FROM tag_announcements WHERE id = 1) <
              greatest((SELECT max(version) FROM tags), (SELECT max(version) FROM tag_products)) AS behind`,
    );
    return rows[0]?.behind === false;
  });
  const preparing = await job('bulk job to add skus to', true);
  const startable = await job('bulk job to start', true);
  const cancellable = await job('bulk job to cancel', true);
  const retryable = await job('bulk job to retry', true);
  await must('cancel the bulk job to retry', 'POST', `/api/tags/bulk-jobs/${retryable.id}/cancel`, {});
  return {
    tagId: tag.id as number,
    readId: read.id as string,
    preparingId: preparing.id as string,
    startableId: startable.id as string,
    cancellableId: cancellable.id as string,
    retryableId: retryable.id as string,
  };
}
export type TagsBulkAccessFixture = Awaited<ReturnType<typeof tagsBulkAccessFixture>>;

/** The job id a bulk route's probe acts on, or undefined for another route. */
export function tagsBulkId(path: string, fx: TagsBulkAccessFixture): string | undefined {
  if (!path.startsWith('/api/tags/bulk-jobs/')) return undefined;
  if (path.endsWith('/skus')) return fx.preparingId;
  if (path.endsWith('/start')) return fx.startableId;
  if (path.endsWith('/cancel')) return fx.cancellableId;
  if (path.endsWith('/retry')) return fx.retryableId;
  return fx.readId;
}

/** Valid bodies of the bulk routes' writes. */
export function tagsBulkBodies(
  fx: TagsBulkAccessFixture,
  sku: string,
  _role: HubAccessRole,
): Record<string, () => unknown> {
  return {
    'POST /api/tags/bulk-jobs': () => ({ action: 'ADD', tagIds: [fx.tagId], skus: [sku] }),
    'POST /api/tags/bulk-jobs/:id/skus': () => ({ skus: [sku] }),
    'POST /api/tags/bulk-jobs/:id/start': () => ({}),
    'POST /api/tags/bulk-jobs/:id/cancel': () => ({}),
    'POST /api/tags/bulk-jobs/:id/retry': () => ({}),
  };
}
