import { randomUUID } from 'node:crypto';
import type { HubAccessRole } from '../../src/kernel/access-matrix.js';
import type { TestHub } from './test-hub.js';
import { cand, writeActiveModel } from '../../src/modules/recommendations/tests/serving-harness.js';
import { waitFor } from './wait-for.js';

/** Per-surface weights of a variant the matrix makes: every source counted, as a merchandiser's first try would. */
export const RECS_ACCESS_WEIGHTS = Object.fromEntries(
  ['home', 'product', 'cart', 'kiosk'].map((surface) => [
    surface,
    { personal: 1, boughtWith: 1, similar: 0.5, popular: 0.5, session: 0.5 },
  ]),
);

/**
 * What the recommendations module's routes act on (issue #21), for the authorization matrix and the fuzz test, made
 * at store A as its kiosk and web shop would: views and a cart add of the fixture's product by the customer store A
 * signed up (so the customer's list and the popular lists have something), an ACTIVE model written as training would
 * write it (so store A's top list exists: before the first model it is a 404), a list served at store A with the
 * product in it (`impressionId`, the clicks' target), and two variants of head office's: one RUNNING to stop and one STOPPED to start (stopping the last
 * running one is a 409, so the default variant is never the target).
 */
export async function recsAccessFixture(
  t: TestHub,
  o: { admin: string; storeAId: string; storeAToken: string; customerId: string; sku: string },
) {
  const admin = { cookie: o.admin };
  const must = async (what: string, p: Promise<{ status: number; body: any }>) => {
    const r = await p;
    if (r.status >= 300)
      throw new Error(`fixture: recommendations ${what} answered ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const sessionId = `matrix-session-${randomUUID().slice(0, 8)}`;
  for (const kind of ['VIEW', 'CART_ADD'] as const)
    await must(
      `a ${kind}`,
      t.call(
        'POST',
        '/api/recommendations/events',
        { eventId: randomUUID(), sessionId, customerId: o.customerId, kind, sku: o.sku, storeId: o.storeAId },
        { bearer: o.storeAToken },
      ),
    );
  // The model is written as training would write it (the serving tests' helper), not trained: a training run costs
  // the suite a minute per database target on a loaded machine, and the routes probed only need a model to be ACTIVE.
  const now = Date.now() + t.clock.offsetMs;
  const version = await writeActiveModel(t.hub.db, now, {
    customers: [[o.customerId, [cand(o.sku, 1)]]],
    popular: [
      ['all', [cand(o.sku, 1)]],
      [`store:${o.storeAId}`, [cand(o.sku, 1)]],
    ],
  });
  const served = await waitFor('a list at store A with the fixture’s product in it', async () => {
    // served to head office, the clicks row's most privileged caller: only the caller a list was served to may click it
    const r = await t.call('GET', `/api/recommendations?surface=home&storeId=${o.storeAId}&limit=10`, undefined, admin);
    if (r.status !== 200) throw new Error(`fixture: a list answered ${r.status} ${JSON.stringify(r.body)}`);
    // serving may answer from the model it read before this one for a moment
    const fromModel = r.body.modelVersion === version;
    return fromModel && (r.body.items as { sku: string }[]).some((i) => i.sku === o.sku) ? r.body : undefined;
  });
  const stoppable = await must(
    'variant to stop',
    t.call(
      'POST',
      '/api/recommendations/variants',
      { name: 'matrix-stop', description: 'stopped by the access matrix', weights: RECS_ACCESS_WEIGHTS },
      admin,
    ),
  );
  const startable = await must(
    'variant to start',
    t.call(
      'POST',
      '/api/recommendations/variants',
      { name: 'matrix-start', description: 'started by the access matrix', weights: RECS_ACCESS_WEIGHTS },
      admin,
    ),
  );
  await must(
    'stopping the variant to start',
    t.call('POST', '/api/recommendations/variants/matrix-start/stop', {}, admin),
  );
  // the lists served above are written off the request path, in order: the last one written means all were
  await recsImpressionWritten(t, served.impressionId);
  return {
    modelVersion: version,
    impressionId: served.impressionId as string,
    sessionId,
    stopVariant: stoppable.name as string,
    startVariant: startable.name as string,
  };
}
export type RecsAccessFixture = Awaited<ReturnType<typeof recsAccessFixture>>;

/** Waits for an impression the hub answered with to be written (the module writes them after the answer). */
export async function recsImpressionWritten(t: TestHub, impressionId: string): Promise<void> {
  await waitFor(`impression ${impressionId} written`, async () => {
    const { rows } = await t.hub.db.query('SELECT 1 FROM recs_impressions WHERE id = $1', [impressionId]);
    return rows.length > 0;
  });
}

/**
 * What a valid request started in the background has finished: the impression of the list it was answered (written,
 * with its variant's counter, just after the answer) and any training run. The fuzz test waits for it before it takes
 * the database's fingerprint again, so that work is not taken for a later refused request's change.
 */
export async function recsAfterValidRequest(t: TestHub, answer: unknown): Promise<void> {
  const impressionId = (answer as { impressionId?: unknown } | null)?.impressionId;
  if (typeof impressionId === 'string') await recsImpressionWritten(t, impressionId);
  await recsSettled(t);
}

/**
 * The recommendations module's background work settled: no training queued or running (a run writes the model's
 * candidates and every store's feed after the request that asked for it answered 202). The fuzz test waits for it
 * after a request that was valid, so a training run a valid request started is not taken for a refused request's
 * change.
 */
export async function recsSettled(t: TestHub): Promise<void> {
  await waitFor(
    'no recommendations training queued or running',
    async () => {
      const { rows } = await t.hub.db.query<{ busy: number }>(
        `SELECT (SELECT count(*) FROM job_runs WHERE (name LIKE 'recommendations.%' OR name LIKE 'recs.%') AND state IN ('QUEUED', 'RUNNING'))
              + (SELECT count(*) FROM recs_models WHERE state = 'TRAINING') AS busy`,
      );
      return Number(rows[0]!.busy) === 0;
    },
    180_000,
  );
}

/** The valid body of each recommendations write, as the matrix sends it for `role`. */
export function recsBodies(fx: RecsAccessFixture, sku: string, role: HubAccessRole): Record<string, () => unknown> {
  const unique = `${role.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  return {
    'POST /api/recommendations/events': () => ({
      eventId: randomUUID(),
      sessionId: fx.sessionId,
      kind: 'VIEW',
      sku,
    }),
    'POST /api/recommendations/clicks': () => ({ impressionId: fx.impressionId, sku }),
    'POST /api/recommendations/variants': () => ({
      name: `matrix-${unique}`,
      description: `made by ${role}`,
      weights: RECS_ACCESS_WEIGHTS,
    }),
    'POST /api/recommendations/variants/:name/stop': () => ({}),
    'POST /api/recommendations/variants/:name/start': () => ({}),
    'POST /api/recommendations/models/train': () => ({}),
  };
}

/** The concrete path of a recommendations row (its :name, its query), or undefined for another module's row. */
export function recsPath(fx: RecsAccessFixture, path: string, _storeAId: string, customerId: string, sku: string) {
  if (path === '/api/recommendations/variants/:name/stop')
    return `/api/recommendations/variants/${fx.stopVariant}/stop`;
  if (path === '/api/recommendations/variants/:name/start')
    return `/api/recommendations/variants/${fx.startVariant}/start`;
  // no storeId: another store's stock and list are refused (403) whoever asks, so a probe naming store A would be
  // refused to store B's callers on that ground, not for the row's rule (a customer store B does not deal with: 404)
  if (path === '/api/recommendations')
    return `/api/recommendations?surface=product&sku=${sku}&customerId=${customerId}&limit=5`;
  return undefined;
}
