import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import type { StoreNode } from '../../src/index.js';
import { NOT_ON_DEVICE_YET } from '../../src/vault/index.js';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';
import { type CaughtVault, contentCalls, HubVault, vaultHubModules } from './vault-hub-fixture.js';

const target = dbTargets.at(-1)!;

/**
 * Issue #22's store side on a real hub and two linked stores: what the hub's feed sends each store (a folder shared
 * with store A reaches A, never B), the content fetched with the store's token and checked, kept for offline reading,
 * taken away on revoke or quarantine, replaced by a new version, and each open at the store an audit VIEW at the hub.
 */
describe(`the store's documents with a hub (${target.name})`, () => {
  let f: SyncFixture;
  let storeA: StoreNode;
  let storeB: StoreNode;
  let idA: string;
  const caught: CaughtVault = { ctx: undefined, parts: undefined };
  let hub: HubVault;
  /** The VIEW lines of the hub's audit trail for a document, oldest first. */
  const viewsAudited = async (documentId: string) =>
    (
      await caught.ctx!.db.query<{ actor: string; action: string; origin: string; detail: Record<string, unknown> }>(
        `SELECT actor, action, origin, detail FROM vault_audit WHERE node_id = $1 AND action = 'VIEW' ORDER BY seq`,
        [documentId],
      )
    ).rows;

  const list = async (store: StoreNode, q = '') => {
    const res = await fetch(`${store.url}/api/vault/documents${q ? `?q=${encodeURIComponent(q)}` : ''}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: { documentId: string; name: string; path: string[]; cached: boolean }[] })
      .items;
  };
  const open = async (store: StoreNode, id: string) => {
    const res = await fetch(`${store.url}/api/vault/documents/${id}/content`);
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const listed = (store: StoreNode, id: string) =>
    waitFor(`document ${id} listed`, async () => (await list(store)).find((d) => d.documentId === id));
  const gone = (store: StoreNode, id: string) =>
    waitFor(`document ${id} gone`, async () => !(await list(store)).some((d) => d.documentId === id));

  beforeAll(async () => {
    const dataDir = target.name === 'pglite' ? mkdtempSync(join(tmpdir(), 'sf-vault-store-')) : undefined;
    f = await SyncFixture.start(target, { ...(dataDir ? { dataDir } : {}), modules: await vaultHubModules(caught) });
    hub = new HubVault(caught);
    storeA = await f.store('DOCA');
    storeB = await f.store('DOCB');
    idA = f.credentials.get('DOCA')!.storeId;
  }, 120_000);
  afterAll(async () => {
    await f?.stop();
  });

  it('a folder shared with store A reaches A, not B; opening it fetches, checks and keeps it; the hub audits the view', async () => {
    const sops = await hub.folder('SOPs');
    const doc = await hub.document('Closing checklist.txt', sops, 'Lock the back door.\n');
    await hub.grant(sops, `store:${idA}`);
    const item = await listed(storeA, doc);
    expect(item).toMatchObject({ name: 'Closing checklist.txt', path: ['SOPs'], cached: false });
    expect((await list(storeB)).some((d) => d.documentId === doc)).toBe(false);
    expect((await list(storeA, 'checklist')).map((d) => d.documentId)).toContain(doc);
    expect(await list(storeA, 'no such words')).toEqual([]);

    const opened = await open(storeA, doc);
    expect(opened.status).toBe(200);
    expect(opened.text).toBe('Lock the back door.\n');
    expect(opened.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(opened.headers.get('x-vault-offline')).toBe('false');
    expect(contentCalls.filter((c) => c.documentId === doc)).toEqual([
      { documentId: doc, version: '1', authorized: true },
    ]);
    // kept by document id, readable by the node only
    const file = join(f.dir, 'DOCA-documents', doc);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await list(storeA)).find((d) => d.documentId === doc)!.cached).toBe(true);
    // opened again: from the cache, no second fetch
    expect((await open(storeA, doc)).text).toBe('Lock the back door.\n');
    expect(contentCalls.filter((c) => c.documentId === doc)).toHaveLength(1);

    const views = await waitFor('two views audited at the hub', async () => {
      const v = await viewsAudited(doc);
      return v.length === 2 ? v : null;
    });
    expect(views[0]).toMatchObject({ actor: `store:${idA}`, action: 'VIEW', origin: 'lane screen' });
    expect(views[0]!.detail).toMatchObject({ offline: false });
    // store B cannot open what it does not list
    expect((await open(storeB, doc)).status).toBe(404);
  });

  it('a new version is fetched anew; a revoke takes the document and its cached file away', async () => {
    const hr = await hub.folder('HR forms');
    const doc = await hub.document('Leave.txt', hr, 'version one');
    await hub.grant(hr, `store:${idA}`);
    await listed(storeA, doc);
    expect((await open(storeA, doc)).text).toBe('version one');

    await hub.version(doc, 'version two, longer');
    await waitFor('version 2 at the store', async () => {
      const d = (await list(storeA)).find((x) => x.documentId === doc) as { versionNo?: number } | undefined;
      return d?.versionNo === 2;
    });
    const second = await open(storeA, doc);
    expect(second.text).toBe('version two, longer');
    expect(second.headers.get('x-vault-version')).toBe('2');

    const file = join(f.dir, 'DOCA-documents', doc);
    expect(existsSync(file)).toBe(true);
    await hub.revoke(hr, `store:${idA}`);
    await gone(storeA, doc);
    expect(existsSync(file)).toBe(false);
    expect((await open(storeA, doc)).status).toBe(404);
  });

  it('a version found infected is taken off the store', async () => {
    const folder = await hub.folder('Planograms');
    const doc = await hub.document('Aisle 4.txt', folder, 'shelf plan');
    await hub.grant(folder, `store:${idA}`);
    await listed(storeA, doc);
    await hub.version(doc, 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR', 'INFECTED');
    await gone(storeA, doc);
  });

  it('a bad feed entry is parked; its neighbours apply', async () => {
    const folder = await hub.folder('Notices');
    const doc = await hub.document('Memo.txt', folder, 'memo');
    const parkedBefore = storeB.sync.storage.parkedFeed().length;
    const storeBId = f.credentials.get('DOCB')!.storeId;
    await f.hub.db.transaction((tx) =>
      f.hub.sync.feed.append(tx, storeBId, [
        { type: 'vault.doc', payload: { documentId: doc, changeSeq: 1, name: '../../etc/passwd' } },
      ]),
    );
    await hub.grant(folder, 'everyone');
    await listed(storeB, doc);
    const parked = storeB.sync.storage.parkedFeed().slice(parkedBefore);
    expect(parked.map((p) => p.type)).toEqual(['vault.doc']);
    expect(parked[0]!.reason).toMatch(/vault\.doc/);
  });

  it('an offline document is on the device before anyone opens it, and reads with the hub stopped', async () => {
    const folder = await hub.folder('Emergency');
    const offline = await hub.document('Fire plan.txt', folder, 'Assemble in the car park.', { offline: true });
    const online = await hub.document('Rota.txt', folder, 'Mon: Ana');
    await hub.grant(folder, `store:${idA}`);
    await waitFor('the offline document cached', async () => (await listed(storeA, offline)).cached);
    expect((await list(storeA)).find((d) => d.documentId === online)!.cached).toBe(false);

    await f.hub.stop();
    const read = await open(storeA, offline);
    expect(read.status).toBe(200);
    expect(read.text).toBe('Assemble in the car park.');
    expect(read.headers.get('x-vault-offline')).toBe('true');
    const refused = await open(storeA, online);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.text).detail).toBe(NOT_ON_DEVICE_YET);
    // the offline view waits in the outbox for the hub
    const pending = storeA.db
      .prepare("SELECT payload FROM sync_outbox WHERE type = 'vault.viewed' ORDER BY seq DESC LIMIT 1")
      .get() as { payload: string };
    expect(JSON.parse(pending.payload)).toMatchObject({ documentId: offline, offline: true });
  });
});
