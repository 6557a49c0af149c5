import { VAULT_ROOT_ID } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import type { TestHub } from '../../../../tests/support/test-hub.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import type { VaultParts } from '../index.js';
import { vaultTestHub } from './store-feed-fixture.js';

/**
 * Moves lock the whole moved tree (in id order, with the node and the target) before rewriting it; a deadlock or
 * serialization failure that still happens between two writers is a 409 that says to try again, not a 500.
 */
describe.each(dbTargets)('vault: moves under contention ($name)', (target) => {
  let t: TestHub;
  let ctx: HubContext;
  let parts: VaultParts;
  let admin: string;

  beforeAll(async () => {
    ({ t, ctx, parts } = await vaultTestHub(target));
    admin = await t.login();
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
  });

  const call = (method: string, path: string, body?: unknown) => t.call(method, path, body, { cookie: admin });
  const folder = async (parentId: string, name: string): Promise<string> => {
    const res = await call('POST', '/api/vault/folders', { parentId, name });
    expect(res.status).toBe(201);
    return res.body.id;
  };
  /** Nodes whose path does not follow their parent's (a move that rewrote part of a tree). */
  const brokenPaths = async () =>
    (
      await ctx.db.query<{ id: string }>(
        `SELECT n.id FROM vault_nodes n JOIN vault_nodes p ON p.id = n.parent_id
         WHERE n.ancestors <> p.ancestors || p.id`,
      )
    ).rows;

  it('a deadlock during a move answers 409 "try again" (problem+json), nothing changed; the retry moves it', async () => {
    const stamp = Date.now();
    const from = await folder(VAULT_ROOT_ID, `From ${stamp}`);
    const to = await folder(VAULT_ROOT_ID, `To ${stamp}`);
    const moved = await folder(from, 'Moved');
    const inner = await folder(moved, 'Inner');
    const repo = parts.documents.repo;
    const move = repo.move;
    repo.move = async () => {
      throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
    };
    try {
      const res = await call('PATCH', `/api/vault/nodes/${moved}`, { parentId: to });
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.detail).toMatch(/Moved was not changed: .*try again/);
    } finally {
      repo.move = move;
    }
    expect((await call('GET', `/api/vault/nodes/${moved}`)).body.parentId).toBe(from);
    const again = await call('PATCH', `/api/vault/nodes/${moved}`, { parentId: to });
    expect(again.status).toBe(200);
    const innerNow = await call('GET', `/api/vault/nodes/${inner}`);
    expect(innerNow.body.path.map((p: { id: string }) => p.id)).toEqual([VAULT_ROOT_ID, to, moved]);
  });

  it('two moves of overlapping trees at once: each answers 200 or 409, never 500, and every path stays whole', async () => {
    const stamp = Date.now();
    const outer = await folder(VAULT_ROOT_ID, `Outer ${stamp}`);
    const away = await folder(VAULT_ROOT_ID, `Away ${stamp}`);
    const middle = await folder(outer, 'Middle');
    const side = await folder(outer, 'Side');
    for (let i = 0; i < 6; i++) await folder(middle, `Shelf ${i}`);
    const statuses: number[] = [];
    for (let round = 0; round < 8; round++) {
      const even = round % 2 === 0;
      const answers = await Promise.all([
        call('PATCH', `/api/vault/nodes/${outer}`, { parentId: even ? away : VAULT_ROOT_ID }),
        call('PATCH', `/api/vault/nodes/${middle}`, { parentId: even ? side : outer }),
      ]);
      for (const a of answers) {
        statuses.push(a.status);
        if (a.status !== 200) expect(a.headers.get('content-type')).toContain('application/problem+json');
      }
    }
    expect(statuses.filter((s) => s !== 200 && s !== 409)).toEqual([]);
    expect(await brokenPaths()).toEqual([]);
  });
});
