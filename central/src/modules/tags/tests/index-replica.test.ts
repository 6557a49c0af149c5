import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { tagsParts } from '../index.js';
import { expectIndexEqualsPostgres, TagsHub, waitFor, type WireTag } from './support-core.js';

const postgres = dbTargets.find((t) => t.name === 'postgres');
/** A replica whose periodic check for missed notices is 10 minutes away (the setting's maximum). */
const NOTIFY_ONLY = { tagsIndexCheckMs: 600_000 };
const BULK = Array.from({ length: 3_000 }, (_, i) => `BULK-${String(i).padStart(5, '0')}`);

/** The newest version Postgres holds. */
async function pgVersion(h: TagsHub): Promise<number> {
  const { rows } = await h.hub.db.query<{ v: string }>(
    'SELECT greatest((SELECT max(version) FROM tags), (SELECT max(version) FROM tag_products), 0)::text AS v',
  );
  return Number(rows[0]!.v);
}

/** One write of many products at one version, as a bulk job's chunk writes them (TagWriter, one transaction). */
async function bulkWrite(h: TagsHub, skus: readonly string[], action: 'ADD' | 'REMOVE', tagIds: number[]) {
  const { writer } = tagsParts(h.context);
  return h.hub.db.transaction((tx) => writer.write(tx, skus, { action, tagIds }));
}

describe.skipIf(!postgres)('the bitmap index on a second hub (a replica) on Postgres', () => {
  const hubs: TagsHub[] = [];
  afterAll(async () => {
    // the replica first: the first hub drops the database
    for (const h of hubs.reverse()) await h.stop().catch(() => undefined);
  });

  it('equals Postgres from notices, after a restart, and with the writes made while it was down', {
    timeout: 600_000,
  }, async () => {
    const hub1 = await TagsHub.start(postgres!);
    hubs.push(hub1);
    // hub 2's periodic check never comes within the test: only NOTIFY can move its index
    const hub2 = await TagsHub.join(hub1.databaseUrl!, NOTIFY_ONLY);
    hubs.push(hub2);
    await hub1.waitReady();
    await hub2.waitReady();

    const electronics = await hub1.tag('electronics');
    const mobile = await hub1.tag('mobile', electronics.id);
    const smartphones = await hub1.tag('smartphones', mobile.id);
    const gadgets = await hub1.tag('gadgets');
    const sale = await hub1.tag('sale');
    await hub1.catalog(BULK);
    const bulk = await bulkWrite(hub1, BULK, 'ADD', [smartphones.id]);
    expect(bulk.changed).toHaveLength(3_000);
    await bulkWrite(hub1, BULK.slice(0, 1_200), 'ADD', [sale.id]);
    await hub1.as('PUT', `/api/tags/products/${BULK[7]}`, { tagIds: [gadgets.id] });
    await hub1.as('PATCH', `/api/tags/${mobile.id}`, { parentId: gadgets.id });

    // hub 2 hears of it by NOTIFY (no search asks it to catch up)
    const v1 = await pgVersion(hub1);
    await waitFor('hub 2 at the written version', () => hub2.index.status().version >= v1, 60_000);
    await expectIndexEqualsPostgres(hub2); // waits for the newest version the same way, then compares every bitmap
    expect(hub2.index.closure(gadgets.id).size).toBe(3_000);
    expect(hub2.index.closure(electronics.id).size).toBe(0);
    expect(hub2.index.closure(sale.id).size).toBe(1_199); // BULK-00007's tags were replaced by gadgets

    // hub 2 goes down; writes go on through hub 1
    hubs.pop();
    await hub2.stop();
    await bulkWrite(hub1, BULK.slice(0, 2_000), 'REMOVE', [smartphones.id]);
    const winter = await hub1.tag('winter', sale.id);
    await bulkWrite(hub1, BULK.slice(2_500), 'ADD', [winter.id]);
    await hub1.as('PATCH', `/api/tags/${mobile.id}`, { parentId: electronics.id, slug: 'phones' });

    const restarted = await TagsHub.join(hub1.databaseUrl!, NOTIFY_ONLY);
    hubs.push(restarted);
    await restarted.waitReady();
    await expectIndexEqualsPostgres(restarted);
    expect(restarted.index.status()).toMatchObject({ state: 'READY', products: 3_000, lastError: null });
    expect(restarted.index.closure(winter.id).size).toBe(500);
    expect((await restarted.searchAll('path:electronics.phones')).length).toBe(1_000);
    expect((await restarted.searchAll('sale AND NOT winter')).length).toBe(1_199);

    // a rebuild on demand swaps in a new index that equals Postgres too
    const before = restarted.index.status().lastRebuildMs;
    expect(before).not.toBeNull();
    const r = await restarted.call('POST', '/api/tags/index/rebuild', undefined, { cookie: restarted.admin });
    expect(r.status).toBe(202);
    await restarted.index.rebuild();
    await expectIndexEqualsPostgres(restarted);
    const status = await restarted.as('GET', '/api/tags/index');
    expect(status).toMatchObject({ state: 'READY', products: 3_000, rebuilt: null });
    expect(status.memoryBytes).toBeGreaterThan(0);
    const list = await restarted.as('GET', '/api/tags');
    expect(list.tags.find((t: WireTag) => t.id === smartphones.id).products).toBe(1_000);
  });
});

describe('the bitmap index after a restart, on PGlite on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tags-index-'));
  let h: TagsHub | undefined;
  afterAll(async () => {
    await h?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('rebuilds what Postgres holds', { timeout: 300_000 }, async () => {
    h = await TagsHub.open(undefined, dir, true, null);
    await h.waitReady();
    const root = await h.tag('root');
    const leaf = await h.tag('leaf', root.id);
    await h.catalog(BULK.slice(0, 1_500));
    await bulkWrite(h, BULK.slice(0, 1_500), 'ADD', [leaf.id]);
    await bulkWrite(h, BULK.slice(0, 500), 'REMOVE', [leaf.id]);
    await h.stop();
    h = await TagsHub.open(undefined, dir, false, null);
    await h.waitReady();
    await expectIndexEqualsPostgres(h);
    expect(h.index.closure(root.id).size).toBe(1_000);
    expect(h.index.all().size).toBe(1_500);
  });
});
