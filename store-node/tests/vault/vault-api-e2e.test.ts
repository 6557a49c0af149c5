import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '@storefleet/central/testing';
import { VAULT_ROOT_ID } from '@storefleet/shared';
import type { StoreNode } from '../../src/index.js';
import { SyncFixture, waitFor } from '../support/sync-fixture.js';

const target = dbTargets.at(-1)!;
const ADMIN = { email: 'vault-store-admin@example.test', password: 'a long enough password' };

/**
 * Issue #22 end to end through the hub's own API (no test stand-ins): head office uploads a document, shares its
 * folder with one store; the store lists it, opens it — fetched from the hub with the store's token, encrypted at the
 * hub, checked here — and the hub's audit trail shows the view by the store. Revoking takes it off the store.
 */
describe(`the vault from head office to the store's handheld (${target.name})`, () => {
  let f: SyncFixture;
  let storeA: StoreNode;
  let storeB: StoreNode;
  let idA: string;
  let cookie: string;

  const hub = async (method: string, path: string, body?: unknown, raw?: { type: string; data: string }) => {
    const res = await fetch(f.hubUrl + path, {
      method,
      headers: {
        cookie,
        ...(raw ? { 'content-type': raw.type } : body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: raw ? raw.data : body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as any) : null };
  };
  const list = async (store: StoreNode) =>
    ((await (await fetch(`${store.url}/api/vault/documents`)).json()) as { items: { documentId: string }[] }).items;

  beforeAll(async () => {
    const dataDir = target.name === 'pglite' ? mkdtempSync(join(tmpdir(), 'sf-vault-e2e-')) : undefined;
    f = await SyncFixture.start(target, dataDir ? { dataDir } : {});
    await f.hub.auth.createUser({ ...ADMIN, name: 'Vault admin', role: 'ADMIN' });
    cookie = `sf_session=${(await f.hub.auth.login(ADMIN.email, ADMIN.password, 'test')).sessionToken}`;
    storeA = await f.store('VE2EA');
    storeB = await f.store('VE2EB');
    idA = f.credentials.get('VE2EA')!.storeId;
  }, 120_000);
  afterAll(async () => {
    await f?.stop();
  });

  it('uploaded and shared with store A: A reads it (B never sees it), the hub audits the view, a revoke removes it', async () => {
    const folder = await hub('POST', '/api/vault/folders', { parentId: VAULT_ROOT_ID, name: 'Store procedures' });
    expect(folder.status).toBe(201);
    const text = 'Count the till float at 8:45 and sign the sheet.\n';
    const up = await hub('POST', `/api/vault/folders/${folder.body.id}/documents?name=Till%20float.txt`, undefined, {
      type: 'text/plain',
      data: text,
    });
    expect(up.status).toBe(201);
    const docId: string = up.body.node.id;
    const share = await hub('PUT', `/api/vault/nodes/${folder.body.id}/grants/${encodeURIComponent(`store:${idA}`)}`, {
      permission: 'READ',
    });
    expect(share.status).toBe(200);

    await waitFor(
      'the document at store A',
      async () => (await list(storeA)).some((d) => d.documentId === docId),
      30_000,
    );
    const res = await fetch(`${storeA.url}/api/vault/documents/${docId}/content`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(text);
    expect((await list(storeB)).some((d) => d.documentId === docId)).toBe(false);

    const views = await waitFor(
      'the store’s view in the hub’s audit',
      async () => {
        const a = await hub('GET', `/api/vault/audit?nodeId=${docId}&action=VIEW`);
        const mine = (a.body?.items ?? []).filter((i: { actor: string }) => i.actor === `store:${idA}`);
        return mine.length ? mine : null;
      },
      30_000,
    );
    expect(views[0]).toMatchObject({ action: 'VIEW', nodeId: docId, origin: 'lane screen' });
    expect(views[0].detail).toMatchObject({ offline: false });

    expect(
      (await hub('DELETE', `/api/vault/nodes/${folder.body.id}/grants/${encodeURIComponent(`store:${idA}`)}`)).status,
    ).toBe(204);
    await waitFor(
      'the document gone from store A',
      async () => !(await list(storeA)).some((d) => d.documentId === docId),
    );
    expect((await fetch(`${storeA.url}/api/vault/documents/${docId}/content`)).status).toBe(404);
  });
});
