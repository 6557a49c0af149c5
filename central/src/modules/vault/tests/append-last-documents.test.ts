import { VAULT_ROOT_ID } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import type { TestHub } from '../../../../tests/support/test-hub.js';
import { smallPng } from '../../../../tests/support/vault-access.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import { VaultAudit, verifyAuditChain } from '../audit.js';
import type { VaultParts } from '../index.js';
import { EICAR_TEST_STRING } from '../scanner.js';
import { vaultTestHub } from './store-feed-fixture.js';

/**
 * The documents part and the processing job keep the audit trail's rule: the line is the last statement of each
 * transaction (the trail's lock is held from the append to the commit, and every audited writer waits for it). With
 * the check on ('throw'), a statement after the append fails its request: every change and read a person makes on a
 * document goes through, and its lines are in the trail in order.
 */
describe.each(dbTargets)('documents append their audit line last ($name)', (target) => {
  let t: TestHub;
  let ctx: HubContext;
  let parts: VaultParts;
  let admin: string;

  beforeAll(async () => {
    ({ t, ctx, parts } = await vaultTestHub(target));
    admin = await t.login();
    VaultAudit.appendLastCheck = 'throw';
  }, 60_000);
  afterAll(async () => {
    VaultAudit.appendLastCheck = 'off';
    await t?.stop();
  });

  /** A request with a raw body (a file), answering status, JSON (or null) and the bytes. */
  const send = async (method: string, path: string, body?: Buffer | string, type?: string) => {
    const headers: Record<string, string> = { cookie: admin };
    if (type) headers['content-type'] = type;
    const res = await fetch(t.url + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : new Uint8Array(body) }),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    const json =
      (res.headers.get('content-type') ?? '').includes('json') && bytes.length ? JSON.parse(`${bytes}`) : null;
    return { status: res.status, json, bytes };
  };
  /** One step: it must answer `status`; the problem's detail is shown when it does not (which statement ran late). */
  const step = async (name: string, status: number, answer: Promise<{ status: number; json: any }>) => {
    const res = await answer;
    expect({ step: name, status: res.status, detail: res.status === status ? undefined : res.json?.detail }).toEqual({
      step: name,
      status,
      detail: undefined,
    });
    return res.json;
  };
  const json = (method: string, path: string, body?: unknown) =>
    t.call(method, path, body, { cookie: admin }).then((r) => ({ status: r.status, json: r.body }));
  const actions = async (nodeId: string) =>
    (await parts.audit.list(ctx.db, { nodeId, limit: 100 })).items.map((l) => l.action).reverse();
  /** Runs the processing job until the version has its verdict (bounded). */
  const verdictOf = async (versionId: string) => {
    for (let i = 0; i < 100; i++) {
      await t.hub.jobs.runDue();
      const { rows } = await ctx.db.query<{ scan_state: string }>(
        'SELECT scan_state FROM vault_versions WHERE id = $1',
        [versionId],
      );
      if (rows[0]?.scan_state !== 'PENDING') return rows[0]?.scan_state;
      await new Promise((r) => setTimeout(r, 50));
    }
    return 'PENDING';
  };

  it('every change and read of a document goes through with the check on, its lines in order', async () => {
    const stamp = Date.now();
    const a = (
      await step(
        'create folder',
        201,
        json('POST', '/api/vault/folders', { parentId: VAULT_ROOT_ID, name: `A ${stamp}` }),
      )
    ).id;
    const b = (
      await step(
        'create folder',
        201,
        json('POST', '/api/vault/folders', { parentId: VAULT_ROOT_ID, name: `B ${stamp}` }),
      )
    ).id;
    const up = await step(
      'upload',
      201,
      send('POST', `/api/vault/folders/${a}/documents?name=plan.txt`, 'aisle 4: cereal', 'text/plain'),
    );
    const doc = up.node.id as string;
    expect(await verdictOf(up.version.id)).toBe('CLEAN');
    await step(
      'new version',
      201,
      send('PUT', `/api/vault/documents/${doc}/content`, 'aisle 4: cereal, tea', 'text/plain'),
    );
    await step('rename', 200, json('PATCH', `/api/vault/nodes/${doc}`, { name: 'Plan.txt' }));
    await step('move', 200, json('PATCH', `/api/vault/nodes/${doc}`, { parentId: b }));
    await step('tags', 200, json('PATCH', `/api/vault/nodes/${doc}`, { tags: ['planogram'] }));
    await step('offline', 200, json('PATCH', `/api/vault/nodes/${doc}`, { offline: true }));
    const all = await step(
      'move, rename and tags at once',
      200,
      json('PATCH', `/api/vault/nodes/${doc}`, { parentId: a, name: 'Plan v2.txt', tags: [] }),
    );
    expect(all).toMatchObject({ parentId: a, name: 'Plan v2.txt', tags: [], level: 'OWNER' });
    await step('delete', 200, json('DELETE', `/api/vault/nodes/${doc}`));
    await step('restore from the trash', 200, json('POST', `/api/vault/trash/${doc}/restore`));
    await step('restore version 1', 201, json('POST', `/api/vault/documents/${doc}/versions/1/restore`));
    const download = await send('GET', `/api/vault/documents/${doc}/content`);
    expect({ step: 'download', status: download.status, body: `${download.bytes}` }).toEqual({
      step: 'download',
      status: 200,
      body: 'aisle 4: cereal',
    });
    await step('view', 200, json('GET', `/api/vault/nodes/${doc}`));
    await step('version list', 200, json('GET', `/api/vault/documents/${doc}/versions`));
    expect(await actions(doc)).toEqual([
      'UPLOAD',
      'UPLOAD',
      'RENAME',
      'MOVE',
      'TAG',
      'TAG',
      'MOVE',
      'RENAME',
      'TAG',
      'DELETE',
      'RESTORE',
      'RESTORE_VERSION',
      'DOWNLOAD',
      'VIEW',
      'VIEW',
    ]);

    const img = await step(
      'upload an image',
      201,
      send('POST', `/api/vault/folders/${a}/documents?name=shelf.png`, smallPng(64, 48), 'image/png'),
    );
    expect(await verdictOf(img.version.id)).toBe('CLEAN');
    const thumb = await send('GET', `/api/vault/documents/${img.node.id}/thumbnail`);
    expect({ step: 'thumbnail', status: thumb.status }).toEqual({ step: 'thumbnail', status: 200 });

    // the processing job quarantines the EICAR test file: its verdict, the document bumped and the stores told, then the line
    const bad = await step(
      'upload EICAR',
      201,
      send(
        'POST',
        `/api/vault/folders/${a}/documents?name=eicar.txt`,
        Buffer.from(EICAR_TEST_STRING, 'latin1'),
        'text/plain',
      ),
    );
    expect(await verdictOf(bad.version.id)).toBe('INFECTED');
    expect(await actions(bad.node.id)).toEqual(['UPLOAD', 'QUARANTINE']);

    await step('delete again', 200, json('DELETE', `/api/vault/nodes/${doc}`));
    await step('purge now', 204, json('DELETE', `/api/vault/trash/${doc}`));
    expect((await actions(doc)).slice(-2)).toEqual(['DELETE', 'PURGE']);
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
  }, 60_000);
});
