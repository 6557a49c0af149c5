import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { uuidv7, VAULT_ROOT_ID } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { discoverModules } from '../../../kernel/discover-modules.js';
import type { HubContext, HubModule } from '../../../kernel/module-contract.js';
import { hubModule as vault, type VaultParts, vaultParts } from '../index.js';

/** The hub's modules, with the vault's start noting its context so the test reaches this hub's vault parts. */
async function modulesReachingVault(): Promise<{ modules: HubModule[]; parts: () => VaultParts }> {
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
    parts: () => {
      if (!ctx) throw new Error('the vault has not started yet');
      return vaultParts(ctx);
    },
  };
}

/** A document with one version sealed by the vault's own sealed store (a thumbnail too when asked), as uploads make. */
async function seedDocument(parts: VaultParts, name: string, content: Buffer, withThumb: boolean) {
  const db = parts.keys.ctx.db;
  const obj = await parts.sealed.seal(Readable.from([content]), { maxBytes: 10 ** 8 });
  const thumb = withThumb ? await parts.sealed.seal(Readable.from([randomBytes(300)]), { maxBytes: 10 ** 6 }) : null;
  const docId = uuidv7();
  const versionId = uuidv7();
  const now = new Date();
  await db.query(
    `INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, current_version_id, size, media_type,
       created_at, updated_at) VALUES ($1, 'DOCUMENT', $2, ARRAY[$2]::uuid[], $3, 'system', $4, $5, 'text/plain', $6, $6)`,
    [docId, VAULT_ROOT_ID, name, versionId, obj.size, now],
  );
  await db.query(
    `INSERT INTO vault_versions (id, document_id, version_no, size, media_type, sha256, blob_key, wrapped_key, kek_id,
       scan_state, thumb_blob_key, thumb_wrapped_key, thumb_kek_id, created_by, created_at)
     VALUES ($1, $2, 1, $3, 'text/plain', $4, $5, $6, $7, 'CLEAN', $8, $9, $10, 'system', $11)`,
    [
      versionId,
      docId,
      obj.size,
      obj.sha256,
      obj.blobKey,
      obj.wrappedKey,
      obj.kekId,
      thumb?.blobKey ?? null,
      thumb?.wrappedKey ?? null,
      thumb?.kekId ?? null,
      now,
    ],
  );
  return { versionId, content, obj };
}

interface VersionRow {
  id: string;
  sha256: string;
  blob_key: string;
  wrapped_key: Buffer;
  kek_id: string;
  thumb_blob_key: string | null;
  thumb_wrapped_key: Buffer | null;
  thumb_kek_id: string | null;
}

for (const target of dbTargets) {
  describe(`vault master keys: status, rotation and the re-wrap (${target.name})`, () => {
    let t: TestHub;
    let admin: string;
    let parts: () => VaultParts;
    const seeded: Awaited<ReturnType<typeof seedDocument>>[] = [];
    const versions = async () =>
      (
        await parts().keys.ctx.db.query<VersionRow>(
          'SELECT id, sha256, blob_key, wrapped_key, kek_id, thumb_blob_key, thumb_wrapped_key, thumb_kek_id FROM vault_versions ORDER BY id',
        )
      ).rows;

    beforeAll(async () => {
      const m = await modulesReachingVault();
      parts = m.parts;
      t = await TestHub.start(target, { modules: m.modules });
      admin = await t.login();
      for (let i = 0; i < 7; i++)
        seeded.push(await seedDocument(parts(), `doc ${i}.txt`, randomBytes(1000 + i * 70_000), i % 2 === 0));
    }, 60_000);
    afterAll(() => t?.stop());

    it('opens the keys file at start: made 0600 with one key, outside the database, every version under it', async () => {
      const file = parts().keys.keysFile;
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const res = await t.call('GET', '/api/vault/keys', undefined, { cookie: admin });
      expect(res.status).toBe(200);
      expect(res.body.current).toMatch(/^kek-\d{4}-\d{2}-\d{2}-1$/);
      expect(res.body.keys).toEqual([{ id: res.body.current, createdAt: expect.any(Number), versions: 7 }]);
      expect(res.body.pendingRewrap).toBe(0);
      // the master key is nowhere in the database's answer nor its rows
      const keysJson = JSON.parse(readFileSync(file, 'utf8'));
      expect(JSON.stringify(res.body)).not.toContain(keysJson.keys[0].aes256);
    });

    it('rotates (202), audits it, re-wraps every data key in the background; content and thumbnails still open', async () => {
      const before = await versions();
      const old = before[0]!.kek_id;
      const res = await t.call('POST', '/api/vault/keys/rotate', undefined, { cookie: admin, idempotencyKey: 'rot-1' });
      expect(res.status).toBe(202);
      expect(res.body.current).not.toBe(old);
      expect(res.body.current).toMatch(/^kek-\d{4}-\d{2}-\d{2}-2$/);
      expect(res.body.pendingRewrap).toBeLessThanOrEqual(7);
      const current = res.body.current as string;

      // new seals use the new key at once
      const fresh = await parts().sealed.seal(Readable.from([Buffer.from('after the rotation')]), { maxBytes: 100 });
      expect(fresh.kekId).toBe(current);

      let status: { body: { pendingRewrap: number; keys: { id: string; versions: number }[] } } | undefined;
      for (let i = 0; i < 200; i++) {
        status = await t.call('GET', '/api/vault/keys', undefined, { cookie: admin });
        if (status.body.pendingRewrap === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(status?.body.pendingRewrap).toBe(0);
      expect(status?.body.keys).toEqual([
        { id: old, createdAt: expect.any(Number), versions: 0 },
        { id: current, createdAt: expect.any(Number), versions: 7 },
      ]);

      const after = await versions();
      for (const [i, v] of after.entries()) {
        const was = before[i]!;
        expect(v.kek_id).toBe(current);
        expect(v.blob_key).toBe(was.blob_key); // the blobs are not touched
        expect(Buffer.from(v.wrapped_key).equals(Buffer.from(was.wrapped_key))).toBe(false);
        if (was.thumb_blob_key) {
          expect(v.thumb_kek_id).toBe(current);
          const thumb = await buffer(
            await parts().sealed.open({
              blobKey: v.thumb_blob_key!,
              wrappedKey: Buffer.from(v.thumb_wrapped_key!),
              kekId: v.thumb_kek_id!,
            }),
          );
          expect(thumb.length).toBe(300);
        }
        const plain = await buffer(
          await parts().sealed.open({ blobKey: v.blob_key, wrappedKey: Buffer.from(v.wrapped_key), kekId: v.kek_id }),
        );
        expect(createHash('sha256').update(plain).digest('hex')).toBe(v.sha256);
      }
      for (const s of seeded) {
        const row = after.find((v) => v.id === s.versionId)!;
        const plain = await buffer(
          await parts().sealed.open({
            blobKey: row.blob_key,
            wrappedKey: Buffer.from(row.wrapped_key),
            kekId: row.kek_id,
          }),
        );
        expect(plain.equals(s.content)).toBe(true);
      }

      // a run's REWRAP line commits after its last batch: it may trail the count reaching 0 by a moment
      const auditLines = () =>
        parts().keys.ctx.db.query<{ action: string; actor: string; detail: Record<string, unknown> }>(
          `SELECT action, actor, detail FROM vault_audit WHERE action IN ('KEY_ROTATE', 'REWRAP') ORDER BY seq`,
        );
      const rewrapped = (rows: { action: string; detail: Record<string, unknown> }[]) =>
        rows.filter((r) => r.action === 'REWRAP').reduce((n, r) => n + Number(r.detail.rewrapped), 0);
      let audit = await auditLines();
      for (let i = 0; i < 200 && rewrapped(audit.rows) < 7; i++) {
        await new Promise((r) => setTimeout(r, 50));
        audit = await auditLines();
      }
      expect(audit.rows[0]).toMatchObject({ action: 'KEY_ROTATE', detail: { kekId: current, previous: old } });
      expect(audit.rows[0]!.actor).toMatch(/^user:/);
      expect(rewrapped(audit.rows)).toBe(7);
    }, 60_000);

    it('the retried rotation (same Idempotency-Key) answers the first reply and makes no third key', async () => {
      const again = await t.call('POST', '/api/vault/keys/rotate', undefined, {
        cookie: admin,
        idempotencyKey: 'rot-1',
      });
      expect(again.status).toBe(202);
      const status = await t.call('GET', '/api/vault/keys', undefined, { cookie: admin });
      expect(status.body.keys).toHaveLength(2);
    });

    it('a version under a key the file lacks is counted, logged and passed over; the run still ends', async () => {
      const p = parts();
      const row = (await versions())[0]!;
      const db = p.keys.ctx.db;
      const stray = uuidv7();
      await db.query(
        `INSERT INTO vault_versions (id, document_id, version_no, size, media_type, sha256, blob_key, wrapped_key,
           kek_id, created_by, created_at)
         SELECT $1, document_id, 99, size, media_type, sha256, blob_key, wrapped_key, 'kek-lost-1', 'system', now()
           FROM vault_versions WHERE id = $2`,
        [stray, row.id],
      );
      const outcome = await p.keys.rewrapAll();
      expect(outcome).toEqual({ rewrapped: 0, failed: 1 });
      const status = await t.call('GET', '/api/vault/keys', undefined, { cookie: admin });
      expect(status.body.pendingRewrap).toBe(1);
      expect(status.body.keys.map((k: { id: string }) => k.id)).toContain('kek-lost-1');
      await db.query('DELETE FROM vault_versions WHERE id = $1', [stray]);
    });

    it('refuses anyone but head office, and odd input', async () => {
      expect((await t.call('GET', '/api/vault/keys')).status).toBe(401);
      expect((await t.call('POST', '/api/vault/keys/rotate')).status).toBe(401);
      expect((await t.call('GET', '/api/vault/keys?x=1', undefined, { cookie: admin })).status).toBe(400);
      const withBody = await t.call('POST', '/api/vault/keys/rotate', { key: 'mine' }, { cookie: admin });
      expect(withBody.status).toBe(400);
      expect((await t.call('GET', '/api/vault/keys', undefined, { cookie: admin })).body.keys).toHaveLength(2);
    });
  });
}
