import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { VAULT_ROOT_ID } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { discoverModules } from '../../../kernel/discover-modules.js';
import type { HubContext, HubModule } from '../../../kernel/module-contract.js';
import { BLOB_GC_MIN_AGE_MS, VAULT_BLOB_GC_JOB, VaultBlobGc } from '../blob-gc.js';
import { hubModule as vault, type VaultParts, vaultParts } from '../index.js';

const DAY = 86_400_000;

/** The hub's modules, with the vault's start noting its context so the test reaches this hub's vault parts. */
async function modulesReachingVault(): Promise<{ modules: HubModule[]; ctx: () => HubContext }> {
  let ctx: HubContext | undefined;
  const wrapped: HubModule = {
    ...vault,
    async start(c) {
      ctx = c;
      await vault.start?.(c);
    },
  };
  return {
    modules: (await discoverModules()).map((m) => (m.name === 'vault' ? wrapped : m)),
    ctx: () => {
      if (!ctx) throw new Error('the vault has not started yet');
      return ctx;
    },
  };
}

/** Sets a blob's file times back by `ms`, as if it had been written then. */
async function age(parts: VaultParts, key: string, ms: number): Promise<void> {
  const hex = key.replace(/^sha256:/, '');
  const when = (Date.now() - ms) / 1000;
  await utimes(join(parts.blobDir.path, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex), when, when);
}

/**
 * Issue #22, blobs no version references: a hub that crashed between writing an upload's sealed blob and committing
 * its version leaves a blob nothing names. The vault's `vault.blob-gc` job removes such a blob once it is a day old,
 * and keeps every blob a version (content or thumbnail) names, and every blob younger than a day (an upload in flight).
 */
describe.each(dbTargets)('the vault removes blobs no version references, on $name', (target) => {
  let t: TestHub;
  let ctx: () => HubContext;
  let parts: VaultParts;
  let admin: { cookie: string };
  let folderId: string;

  beforeAll(async () => {
    const m = await modulesReachingVault();
    ctx = m.ctx;
    t = await TestHub.start(target, { modules: m.modules });
    parts = vaultParts(ctx());
    admin = { cookie: await t.login() };
    const folder = await t.call('POST', '/api/vault/folders', { parentId: VAULT_ROOT_ID, name: 'Head office' }, admin);
    expect(folder.status, JSON.stringify(folder.body)).toBe(201);
    folderId = folder.body.id;
  }, 60_000);
  afterAll(() => t?.stop());

  /** Uploads a document; answers its version's blob keys (content, and thumbnail when one was made). */
  const upload = async (name: string, text: string) => {
    const up = await t.call(
      'POST',
      `/api/vault/folders/${folderId}/documents?name=${encodeURIComponent(name)}`,
      undefined,
      {
        ...admin,
        rawBody: text,
        contentType: 'text/plain',
      },
    );
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const { rows } = await t.hub.db.query<{ blob_key: string }>('SELECT blob_key FROM vault_versions WHERE id = $1', [
      up.body.version.id,
    ]);
    return { documentId: up.body.node.id as string, blobKey: rows[0]!.blob_key };
  };
  /** A sealed blob no row names: what a crash after the blob's write and before the version's commit leaves. */
  const sealed = (text: string) => parts.sealed.seal(Readable.from([Buffer.from(text)]), { maxBytes: 10_000 });
  const orphan = async (text: string) => (await sealed(text)).blobKey;
  const exists = async (key: string) => (await parts.blobs.stat(key)) !== null;

  it('removes a day-old blob no version names; keeps a referenced one (content or thumbnail) and a young one', async () => {
    const kept = await upload('Cash handling.txt', 'Two people count the safe at close.\n');
    // a thumbnail as processing keeps one: its own sealed blob, named by the version's thumbnail columns
    const thumb = await sealed('a thumbnail');
    const keptThumb = thumb.blobKey;
    await t.hub.db.query(
      'UPDATE vault_versions SET thumb_blob_key = $1, thumb_wrapped_key = $2, thumb_kek_id = $3 WHERE blob_key = $4',
      [thumb.blobKey, thumb.wrappedKey, thumb.kekId, kept.blobKey],
    );
    const lost = await orphan('an upload whose version never committed');
    const young = await orphan('an upload still committing');
    for (const key of [kept.blobKey, keptThumb, lost]) await age(parts, key, 2 * DAY);
    await age(parts, young, BLOB_GC_MIN_AGE_MS - 3_600_000);

    // two to a batch: the three old blobs take two
    const outcome = await new VaultBlobGc(ctx(), parts.blobs).sweep({ batchSize: 2 });
    expect(outcome).toEqual({ checked: 3, removed: 1 });
    expect(await exists(lost)).toBe(false);
    expect(await exists(kept.blobKey)).toBe(true);
    expect(await exists(keptThumb)).toBe(true);
    expect(await exists(young)).toBe(true);
    // the document still reads back
    const back = await t.call('GET', `/api/vault/documents/${kept.documentId}/content`, undefined, admin);
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body).toBe('Two people count the safe at close.\n');
  });

  it('runs as the hub job vault.blob-gc', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) keys.push(await orphan(`left by crash ${i}`));
    const kept = await upload('Opening checklist.txt', 'Lights, alarm, tills.\n');
    for (const key of [...keys, kept.blobKey]) await age(parts, key, 3 * DAY);

    const run = await ctx().jobs.enqueue(VAULT_BLOB_GC_JOB, {});
    let state: string | undefined;
    for (let i = 0; i < 400; i++) {
      state = (await ctx().jobs.get(run.id))?.state;
      if (state === 'DONE' || state === 'FAILED') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(state).toBe('DONE');
    for (const key of keys) expect(await exists(key)).toBe(false);
    expect(await exists(kept.blobKey)).toBe(true);
    const back = await t.call('GET', `/api/vault/documents/${kept.documentId}/content`, undefined, admin);
    expect(back.body).toBe('Lights, alarm, tills.\n');
  });
});
