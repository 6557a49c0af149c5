import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { signedInHub } from '../../../../tests/support/signed-in-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { VAULT_PROCESS_JOB } from '../processing.js';
import { EICAR_TEST_STRING } from '../scanner.js';
import { modulesWithVaultParts, readAll, storeDocument, type VersionScan, versionScan } from './processing-fixture.js';
import { corruptPng, solid } from './thumbnail-images.js';

const EICAR = Buffer.from(EICAR_TEST_STRING, 'latin1');
const vaultHub = await modulesWithVaultParts();

/** A test hub (test mode: the simulated scanner runs) with the vault; uploads stored as the upload route stores them. */
describe.each(dbTargets)('after an upload: the scan and the thumbnail, on $name', (target) => {
  const h = signedInHub(target, { modules: vaultHub.modules });
  const settled = (versionId: string) =>
    waitFor(`version ${versionId} scanned`, async () => {
      const s = await versionScan(h.t.hub.db, versionId);
      return s.scanState !== 'PENDING' ? s : null;
    });
  const admin = () => ({ cookie: h.admin });

  it('the EICAR test file is INFECTED, quarantined (audited) and not downloadable', async () => {
    const { documentId, versionId } = await storeDocument(vaultHub.parts(), {
      name: 'eicar.com',
      mediaType: 'application/octet-stream',
      bytes: EICAR,
    });
    const s = await settled(versionId);
    expect(s).toMatchObject({ scanState: 'INFECTED', scanDetail: expect.stringContaining('Eicar-Test-Signature') });
    const audit = await h.t.hub.db.query<{ actor: string; detail: { engine: string } }>(
      `SELECT actor, detail FROM vault_audit WHERE action = 'QUARANTINE' AND version_id = $1`,
      [versionId],
    );
    expect(audit.rows).toEqual([{ actor: 'system', detail: expect.objectContaining({ engine: 'simulator' }) }]);
    const download = await h.t.call('GET', `/api/vault/documents/${documentId}/content`, undefined, admin());
    expect(download.status).toBe(409);
    expect(download.headers.get('content-type')).toContain('problem+json');
  });

  it('finds EICAR split across two 64 KiB chunks of the stored file', async () => {
    const bytes = Buffer.concat([Buffer.alloc(64 * 1024 - 30, 0x41), EICAR, Buffer.alloc(64 * 1024, 0x42)]);
    const { versionId } = await storeDocument(vaultHub.parts(), {
      name: 'split.bin',
      mediaType: 'application/octet-stream',
      bytes,
    });
    expect((await settled(versionId)).scanState).toBe('INFECTED');
  });

  it('a clean file is CLEAN and downloads as it was', async () => {
    const bytes = Buffer.from('Opening checklist: lights, tills, doors.\n'.repeat(2000));
    const { documentId, versionId } = await storeDocument(vaultHub.parts(), {
      name: 'checklist.txt',
      mediaType: 'text/plain',
      bytes,
    });
    expect(await settled(versionId)).toMatchObject({ scanState: 'CLEAN', thumb: null });
    const download = await h.t.call('GET', `/api/vault/documents/${documentId}/content`, undefined, admin());
    expect(download.status).toBe(200);
    expect(download.body).toBe(bytes.toString());
  });

  it.each([
    ['png', 'image/png', 1200, 800, [256, 171]],
    ['jpeg', 'image/jpeg', 600, 1800, [85, 256]],
  ] as const)(
    'a %s gets a PNG thumbnail at most 256 px, sealed like the content and served',
    async (format, mediaType, w, hgt, size) => {
      const { documentId, versionId } = await storeDocument(vaultHub.parts(), {
        name: `photo.${format}`,
        mediaType,
        bytes: await solid(w, hgt, format),
      });
      const s: VersionScan = await settled(versionId);
      expect(s.scanState).toBe('CLEAN');
      expect(s.thumb).not.toBeNull();
      const stored = await readAll(await vaultHub.parts().sealed.open(s.thumb!));
      const m = await sharp(stored).metadata();
      expect([m.format, m.width, m.height]).toEqual(['png', ...size]);
      // sealed: the blob on disk is not the PNG
      const raw = await readAll(await vaultHub.parts().blobs.get(s.thumb!.blobKey));
      expect(raw.includes(stored.subarray(0, 16))).toBe(false);
      const served = await fetch(`${h.t.url}/api/vault/documents/${documentId}/thumbnail`, {
        headers: { cookie: h.admin },
      });
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await served.arrayBuffer()).equals(stored)).toBe(true);
    },
  );

  it('a corrupt PNG gets no thumbnail, and its scan is still recorded (CLEAN)', async () => {
    const { documentId, versionId } = await storeDocument(vaultHub.parts(), {
      name: 'broken.png',
      mediaType: 'image/png',
      bytes: await corruptPng(),
    });
    expect(await settled(versionId)).toMatchObject({ scanState: 'CLEAN', thumb: null });
    const thumb = await h.t.call('GET', `/api/vault/documents/${documentId}/thumbnail`, undefined, admin());
    expect(thumb.status).toBe(404);
  });

  it('a second run for the same version does the work once (one run per version; a rerun changes nothing)', async () => {
    const parts = vaultHub.parts();
    const { versionId } = await storeDocument(parts, { name: 'twice.com', mediaType: 'text/plain', bytes: EICAR });
    await settled(versionId);
    await parts.processing.enqueue(h.t.hub.db, versionId);
    await parts.processing.stop(); // the enqueue above has reached the queue
    await parts.processing.process(versionId);
    const runs = await h.t.hub.db.query(`SELECT id FROM job_runs WHERE name = $1 AND idempotency_key = $2`, [
      VAULT_PROCESS_JOB,
      versionId,
    ]);
    expect(runs.rows).toHaveLength(1);
    const audit = await h.t.hub.db.query(
      `SELECT seq FROM vault_audit WHERE action = 'QUARANTINE' AND version_id = $1`,
      [versionId],
    );
    expect(audit.rows).toHaveLength(1);
  });

  it('a version whose stored content was tampered with stays PENDING, with the reason', async () => {
    const parts = vaultHub.parts();
    const { versionId } = await storeDocument(
      parts,
      { name: 'tampered.txt', mediaType: 'text/plain', bytes: Buffer.alloc(200_000, 0x61) },
      { enqueue: false },
    );
    const { rows } = await h.t.hub.db.query<{ blob_key: string; wrapped_key: Uint8Array; kek_id: string }>(
      `SELECT blob_key, wrapped_key, kek_id FROM vault_versions WHERE id = $1`,
      [versionId],
    );
    const ciphertext = await readAll(await parts.blobs.get(rows[0]!.blob_key));
    ciphertext[ciphertext.length - 100]! ^= 0x01; // a flipped bit in the last segment
    const forged = await parts.blobs.put((await import('node:stream')).Readable.from([ciphertext]), {
      maxBytes: ciphertext.length,
    });
    await h.t.hub.db.query(`UPDATE vault_versions SET blob_key = $2 WHERE id = $1`, [versionId, forged.key]);
    await parts.processing.process(versionId);
    const s = await versionScan(h.t.hub.db, versionId);
    expect(s.scanState).toBe('PENDING');
    expect(s.scanDetail).toMatch(/integrity/);
  });
});
