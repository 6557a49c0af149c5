import { VAULT_ROOT_ID } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DOCUMENTS, seedDemoVault } from '../src/demo/demo-vault.js';
import { dbTargets } from './support/db-targets.js';
import { ADMIN, TestHub } from './support/test-hub.js';

/**
 * What `npm start` files in the vault (issue #22), through the hub's API as the demo does: Head office › SOPs,
 * Planograms and HR forms with their documents (the opening checklist offline), a folder per store shared with it;
 * a store's token reads the SOPs and its own folder but not the HR forms or another store's folder. Started again, it
 * makes nothing twice.
 */
// One database (Postgres in CI): the demo's seeding goes through the API, which runs on both in the module's tests.
describe.each([dbTargets.at(-1)!])('the demo’s documents on $name', (target) => {
  let t: TestHub;
  let admin: string;
  let stores: { id: string; token: string; code: string }[];
  const api = async <T = any>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await t.call(method, path, body, { cookie: admin });
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as T;
  };
  const seed = () =>
    seedDemoVault({
      api,
      hubUrl: t.url,
      admin: ADMIN,
      stores: stores.map((s, i) => ({
        code: s.code,
        name: `Store ${i + 1}`,
        lat: 40,
        lon: -74,
        timezone: 'America/New_York',
        storeId: s.id,
      })),
      say: () => {},
    });
  const children = async (folderId: string, who = { cookie: admin }) =>
    (await t.call('GET', `/api/vault/folders/${folderId}/children?limit=200`, undefined, who)).body.items as {
      id: string;
      name: string;
      offline: boolean;
      mediaType: string;
    }[];

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
    stores = [];
    for (const code of ['DV1', 'DV2']) stores.push({ ...(await t.store(code, admin)), code });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  it('files the head-office folders and documents, one offline, and a folder per store; again, nothing new', async () => {
    const first = await seed();
    expect(first.summary).toContain('made now: 7 folders, 8 documents');
    expect(first.summary).not.toContain('refused');
    const top = await children(VAULT_ROOT_ID);
    expect(top.map((n) => n.name)).toEqual(['Head office', 'Stores']);
    const headOffice = await children(top[0]!.id);
    expect(headOffice.map((n) => n.name)).toEqual(['HR forms', 'Planograms', 'SOPs']);
    const sops = await children(headOffice.find((n) => n.name === 'SOPs')!.id);
    expect(sops.map((n) => [n.name, n.mediaType, n.offline])).toEqual([
      ['Cash handling.md', 'text/markdown', false],
      ['Opening checklist.md', 'text/markdown', true],
    ]);
    const checklist = sops.find((n) => n.name === 'Opening checklist.md')!;
    const text = await t.call('GET', `/api/vault/documents/${checklist.id}/content`, undefined, { cookie: admin });
    expect(text.body).toBe(DEMO_DOCUMENTS.find((d) => d.name === 'Opening checklist.md')!.text);

    const again = await seed();
    expect(again.summary).not.toContain('made now');
    expect((await children(top[0]!.id)).length).toBe(3);
    expect((await children(headOffice.find((n) => n.name === 'SOPs')!.id)).length).toBe(2);
  });

  it('a store’s token reads the SOPs, the planograms and its own folder, not the HR forms or another store’s', async () => {
    const [one, two] = stores;
    const top = await children(VAULT_ROOT_ID);
    const storesFolder = await children(top.find((n) => n.name === 'Stores')!.id);
    const own = storesFolder.find((n) => n.name.startsWith(one!.code))!;
    const other = storesFolder.find((n) => n.name.startsWith(two!.code))!;
    const headOffice = await children(top.find((n) => n.name === 'Head office')!.id);
    const hr = headOffice.find((n) => n.name === 'HR forms')!;
    const sops = headOffice.find((n) => n.name === 'SOPs')!;
    const asStore = { bearer: one!.token };
    expect((await t.call('GET', `/api/vault/folders/${sops.id}/children`, undefined, asStore)).status).toBe(200);
    expect((await t.call('GET', `/api/vault/folders/${own.id}/children`, undefined, asStore)).body.items).toEqual([
      expect.objectContaining({ name: 'Store notes.md' }),
    ]);
    expect((await t.call('GET', `/api/vault/folders/${hr.id}/children`, undefined, asStore)).status).toBe(404);
    expect((await t.call('GET', `/api/vault/folders/${other.id}/children`, undefined, asStore)).status).toBe(404);
  });
});
