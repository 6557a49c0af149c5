import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { VAULT_ROOT_ID } from '@storefleet/shared';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import {
  blobFiles,
  blobPath,
  docsHub,
  grant,
  newFolder,
  person,
  scanned,
  send,
  sha256,
  upload,
} from './documents-harness.js';

/** Size of the streamed round trip (MB): small by default; the bench and a manual run go to 1 GB. */
const BIG_MB = Number(process.env.VAULT_TEST_BIG_MB ?? 32);

/** Deterministic pseudo-random bytes, `mb` megabytes in 1 MB chunks, as a web stream (never whole in memory). */
function bigBody(mb: number): { stream: ReadableStream<Uint8Array>; digest: () => string } {
  const hash = createHash('sha256');
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i >= mb) return controller.close();
      const chunk = createHash('sha512').update(String(i)).digest();
      const block = Buffer.alloc(1024 * 1024);
      for (let o = 0; o < block.length; o += chunk.length) chunk.copy(block, o);
      block.writeUInt32BE(i, 0);
      hash.update(block);
      controller.enqueue(block);
      i++;
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

describe.each(dbTargets)('vault document content ($name)', (target) => {
  const h = docsHub(target);
  const db = () => h.t.hub.db;
  const versionsOf = async (docId: string) =>
    Number(
      (await db().query<{ n: number }>('SELECT count(*)::int AS n FROM vault_versions WHERE document_id = $1', [docId]))
        .rows[0]!.n,
    );

  it('uploads, downloads byte for byte with the headers a browser needs, and audits both', async () => {
    const f = await newFolder(h, VAULT_ROOT_ID, 'Content');
    const text = 'Opening checklist: lights, tills, doors. ünïcödé';
    const up = await upload(h, f, 'Opening checklist.txt', text, {
      type: 'text/plain; charset=utf-8',
      tags: 'sop,daily',
    });
    expect(up.status).toBe(201);
    expect(up.json.node).toMatchObject({ kind: 'DOCUMENT', name: 'Opening checklist.txt', tags: ['sop', 'daily'] });
    expect(up.json.version).toMatchObject({
      versionNo: 1,
      size: Buffer.byteLength(text),
      sha256: sha256(text),
      current: true,
    });
    const id = up.json.node.id;
    const down = await send(h, 'GET', `/api/vault/documents/${id}/content`, h.admin);
    expect(down.status).toBe(200);
    expect(down.bytes.toString('utf8')).toBe(text);
    expect(down.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(down.headers.get('x-content-type-options')).toBe('nosniff');
    expect(down.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(down.headers.get('content-disposition')).toContain("filename*=UTF-8''Opening%20checklist.txt");
    expect(down.headers.get('etag')).toBe(`"${sha256(text)}"`);
    expect(down.headers.get('x-vault-version')).toBe('1');
    const node = await h.t.call('GET', `/api/vault/nodes/${id}`, undefined, { cookie: h.admin });
    expect(node.body).toMatchObject({ id, size: Buffer.byteLength(text), mediaType: 'text/plain; charset=utf-8' });
    const { rows } = await db().query<{ action: string }>(
      'SELECT action FROM vault_audit WHERE node_id = $1 ORDER BY seq',
      [id],
    );
    expect(rows.map((r) => r.action)).toEqual(['UPLOAD', 'DOWNLOAD', 'VIEW']);
  });

  it('a zero-byte file and a file with no Content-Type round-trip', async () => {
    const empty = await upload(h, VAULT_ROOT_ID, 'empty.bin', Buffer.alloc(0));
    expect(empty.status).toBe(201);
    expect(empty.json.version).toMatchObject({ size: 0, mediaType: 'application/octet-stream', sha256: sha256('') });
    const down = await send(h, 'GET', `/api/vault/documents/${empty.json.node.id}/content`, h.admin);
    expect(down.status).toBe(200);
    expect(down.bytes.length).toBe(0);
  });

  it(
    `streams a ${BIG_MB} MB file in and out with the same SHA-256`,
    async () => {
      const body = bigBody(BIG_MB);
      const up = await send(
        h,
        'POST',
        `/api/vault/folders/${VAULT_ROOT_ID}/documents?name=big.bin`,
        h.admin,
        body.stream,
        {
          'content-type': 'application/octet-stream',
        },
      );
      expect(up.status).toBe(201);
      const digest = body.digest();
      expect(up.json.version.sha256).toBe(digest);
      expect(up.json.version.size).toBe(BIG_MB * 1024 * 1024);
      const res = await fetch(`${h.t.url}/api/vault/documents/${up.json.node.id}/content`, {
        headers: { cookie: h.admin },
      });
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        size += chunk.length;
      }
      expect(size).toBe(BIG_MB * 1024 * 1024);
      expect(hash.digest('hex')).toBe(digest);
    },
    60_000 + BIG_MB * 2_000,
  );

  it('keeps every version: a new one, the list newest first, an old one by number, and restore as a new version', async () => {
    const up = await upload(h, VAULT_ROOT_ID, 'price list.csv', 'sku,price\nA,1\n', { type: 'text/csv' });
    const id = up.json.node.id;
    const v2 = await send(h, 'PUT', `/api/vault/documents/${id}/content`, h.admin, 'sku,price\nA,2\n', {
      'content-type': 'text/csv',
    });
    expect(v2.status).toBe(201);
    expect(v2.json.version.versionNo).toBe(2);
    const list = await h.t.call('GET', `/api/vault/documents/${id}/versions`, undefined, { cookie: h.admin });
    expect(list.body.items.map((v: { versionNo: number; current: boolean }) => [v.versionNo, v.current])).toEqual([
      [2, true],
      [1, false],
    ]);
    const old = await send(h, 'GET', `/api/vault/documents/${id}/content?version=1`, h.admin);
    expect(old.bytes.toString()).toBe('sku,price\nA,1\n');
    const restored = await h.t.call('POST', `/api/vault/documents/${id}/versions/1/restore`, undefined, {
      cookie: h.admin,
    });
    expect(restored.status).toBe(201);
    expect(restored.body.version).toMatchObject({ versionNo: 3, restoredFrom: 1, sha256: sha256('sku,price\nA,1\n') });
    // its own data key: the restored version is a new sealed object, not the old blob again
    const { rows } = await db().query<{ blob_key: string; version_no: number }>(
      'SELECT blob_key, version_no FROM vault_versions WHERE document_id = $1 ORDER BY version_no',
      [id],
    );
    expect(rows[2]!.blob_key).not.toBe(rows[0]!.blob_key);
    const now = await send(h, 'GET', `/api/vault/documents/${id}/content`, h.admin);
    expect(now.bytes.toString()).toBe('sku,price\nA,1\n');
    expect(now.headers.get('x-vault-version')).toBe('3');
    const missing = await h.t.call('GET', `/api/vault/documents/${id}/content?version=9`, undefined, {
      cookie: h.admin,
    });
    expect(missing.status).toBe(404);
  });

  it('a taken name is 409 naming the document; an Idempotency-Key retry answers the first result with one version', async () => {
    const first = await upload(h, VAULT_ROOT_ID, 'idem.txt', 'once', { key: 'upload-idem-1' });
    expect(first.status).toBe(201);
    const retry = await upload(h, VAULT_ROOT_ID, 'idem.txt', 'once', { key: 'upload-idem-1' });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.json).toEqual(first.json);
    expect(await versionsOf(first.json.node.id)).toBe(1);
    const taken = await upload(h, VAULT_ROOT_ID, 'IDEM.txt', 'twice');
    expect(taken.status).toBe(409);
    expect(taken.json.existingId).toBe(first.json.node.id);
  });

  it('two uploads racing for one name: one 201, one 409, one document', async () => {
    const f = await newFolder(h, VAULT_ROOT_ID, 'Race');
    const [a, b] = await Promise.all([
      upload(h, f, 'race.txt', 'a'.repeat(200_000)),
      upload(h, f, 'race.txt', 'b'.repeat(200_000)),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const { rows } = await db().query('SELECT id FROM vault_nodes WHERE parent_id = $1', [f]);
    expect(rows).toHaveLength(1);
  });

  it('refuses before reading: a declared size past the limit (413), a media type that is not one (415)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${h.t.url}/api/vault/folders/${VAULT_ROOT_ID}/documents?name=huge.bin`);
      const req = request(url, {
        method: 'POST',
        headers: { cookie: h.admin, 'content-length': String(3 * 1024 ** 3), connection: 'close' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
    for (const type of ['not a type', 'text/plain\u00e9', `text/${'x'.repeat(300)}`]) {
      const res = await upload(h, VAULT_ROOT_ID, 'typed.txt', 'x', { type });
      expect(res.status, type).toBe(415);
    }
    const { rows } = await db().query("SELECT id FROM vault_nodes WHERE name IN ('huge.bin', 'typed.txt')");
    expect(rows).toHaveLength(0);
  });

  it('a client that drops mid-upload leaves nothing: the name stays free and no blob is kept', async () => {
    const blobsBefore = blobFiles(h).length;
    await new Promise<void>((resolve) => {
      const url = new URL(`${h.t.url}/api/vault/folders/${VAULT_ROOT_ID}/documents?name=dropped.bin`);
      const req = request(url, { method: 'POST', headers: { cookie: h.admin, 'content-length': String(4 << 20) } });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(1 << 20, 7), () => setTimeout(() => req.destroy(), 100));
      req.on('close', () => resolve());
    });
    // the hub has seen the drop once a new upload of that name goes through
    let again = await upload(h, VAULT_ROOT_ID, 'dropped.bin', 'complete');
    for (let i = 0; i < 20 && again.status === 409; i++) {
      await new Promise((r) => setTimeout(r, 100));
      again = await upload(h, VAULT_ROOT_ID, 'dropped.bin', 'complete');
    }
    expect(again.status).toBe(201);
    expect(await versionsOf(again.json.node.id)).toBe(1);
    expect(blobFiles(h).length).toBe(blobsBefore + 1);
  });

  it('a flipped byte in the stored blob: the download is cut, never a wrong byte, and the failure is audited', async () => {
    const content = Buffer.alloc(300_000, 'abcdefgh');
    const up = await upload(h, VAULT_ROOT_ID, 'tampered.bin', content);
    const id = up.json.node.id;
    const { rows } = await db().query<{ blob_key: string }>(
      'SELECT blob_key FROM vault_versions WHERE document_id = $1',
      [id],
    );
    const file = blobPath(h, rows[0]!.blob_key);
    const sealed = readFileSync(file);
    sealed[sealed.length - 100]! ^= 0x01;
    writeFileSync(file, sealed);
    const res = await fetch(`${h.t.url}/api/vault/documents/${id}/content`, { headers: { cookie: h.admin } });
    const got: Buffer[] = [];
    let cut = false;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) got.push(Buffer.from(chunk));
    } catch {
      cut = true;
    }
    const bytes = Buffer.concat(got);
    expect(cut).toBe(true);
    expect(bytes.length).toBeLessThan(content.length);
    expect(bytes.equals(content.subarray(0, bytes.length))).toBe(true);
    let audited = 0;
    for (let i = 0; i < 50 && audited === 0; i++) {
      const a = await db().query(
        "SELECT 1 FROM vault_audit WHERE node_id = $1 AND action = 'DOWNLOAD' AND detail ? 'failed'",
        [id],
      );
      audited = a.rows.length;
      if (!audited) await new Promise((r) => setTimeout(r, 50));
    }
    expect(audited).toBe(1);
  });

  it('scan states: a version being scanned only for its uploader and head office; a quarantined one for no one', async () => {
    const f = await newFolder(h, VAULT_ROOT_ID, 'Scan gate');
    const uploader = await person(h);
    const reader = await person(h);
    const writer = await person(h);
    await grant(h, f, uploader.subject, 2);
    await grant(h, f, reader.subject, 1);
    await grant(h, f, writer.subject, 2);
    const up = await upload(h, f, 'memo.txt', 'hello', { who: uploader.cookie });
    expect(up.status).toBe(201);
    const versionId = up.json.version.id;
    expect(await scanned(h, versionId)).toBe('CLEAN');
    // as it stood before the scanner read it
    await db().query("UPDATE vault_versions SET scan_state = 'PENDING' WHERE id = $1", [versionId]);
    const path = `/api/vault/documents/${up.json.node.id}/content`;
    expect((await send(h, 'GET', path, reader.cookie)).status).toBe(409);
    expect((await send(h, 'GET', path, uploader.cookie)).status).toBe(200);
    expect((await send(h, 'GET', path, h.admin)).status).toBe(200);
    // nor can another writer launder it through a restore (it would become theirs)
    const launder = `/api/vault/documents/${up.json.node.id}/versions/1/restore`;
    expect((await send(h, 'POST', launder, writer.cookie)).status).toBe(409);
    await db().query("UPDATE vault_versions SET scan_state = 'CLEAN' WHERE id = $1", [versionId]);
    expect((await send(h, 'GET', path, reader.cookie)).status).toBe(200);
    expect((await send(h, 'PUT', path, reader.cookie, 'overwrite')).status).toBe(403);

    const eicar = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
    const bad = await upload(h, f, 'eicar.com', eicar, { who: uploader.cookie });
    expect(await scanned(h, bad.json.version.id)).toBe('INFECTED');
    const quarantined = await send(h, 'GET', `/api/vault/documents/${bad.json.node.id}/content`, h.admin);
    expect(quarantined.status).toBe(409);
    expect(quarantined.json.detail).toContain('quarantined');
  });

  it('an image gets a PNG thumbnail; a document without one answers 404', async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c0392b' } })
      .png()
      .toBuffer();
    const img = await upload(h, VAULT_ROOT_ID, 'shelf.png', png, { type: 'image/png' });
    expect(img.status).toBe(201);
    await scanned(h, img.json.version.id);
    for (let i = 0; i < 100; i++) {
      const { rows } = await db().query('SELECT 1 FROM vault_versions WHERE id = $1 AND thumb_blob_key IS NOT NULL', [
        img.json.version.id,
      ]);
      if (rows.length) break;
      await h.t.hub.jobs.runDue();
      await new Promise((r) => setTimeout(r, 50));
    }
    const thumb = await send(h, 'GET', `/api/vault/documents/${img.json.node.id}/thumbnail`, h.admin);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/png');
    expect(thumb.bytes.subarray(1, 4).toString()).toBe('PNG');
    const text = await upload(h, VAULT_ROOT_ID, 'no-thumb.txt', 'words', { type: 'text/plain' });
    expect((await send(h, 'GET', `/api/vault/documents/${text.json.node.id}/thumbnail`, h.admin)).status).toBe(404);
  });
});
