import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VAULT_ROOT_ID } from '@storefleet/shared';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/db.js';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';

const TEXT = 'Cash-handling SOP: two people count the safe at close, and both sign the sheet.\n';

/** Every 32-byte key (AES-256) the keys file could hold: each string value, decoded as base64 and hex. */
function keyMaterial(file: string): Buffer[] {
  const found: Buffer[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const b of [
        /^[0-9a-fA-F]+$/.test(v) && v.length % 2 === 0 ? Buffer.from(v, 'hex') : undefined,
        /^[A-Za-z0-9+/_-]+={0,2}$/.test(v)
          ? Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64')
          : undefined,
      ])
        if (b && b.length === 32) found.push(b);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(JSON.parse(readFileSync(file, 'utf8')));
  return found;
}

/** Columns of every vault table that could hold a key: text as base64 or hex, bytes as they are. */
async function columnsHolding(db: Db, key: Buffer): Promise<string[]> {
  const { rows: cols } = await db.query<{ t: string; c: string; type: string }>(
    `SELECT table_name AS t, column_name AS c, data_type AS type FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name LIKE 'vault%'
        AND data_type IN ('text', 'character varying', 'bytea', 'jsonb', 'ARRAY')`,
  );
  const hits: string[] = [];
  for (const { t, c, type } of cols) {
    const { rows } = await db.query<{ n: number }>(
      type === 'bytea'
        ? `SELECT count(*)::int AS n FROM "${t}" WHERE position($1::bytea IN "${c}") > 0`
        : `SELECT count(*)::int AS n FROM "${t}"
            WHERE strpos("${c}"::text, $1) > 0 OR strpos("${c}"::text, $2) > 0 OR strpos("${c}"::text, $3) > 0`,
      type === 'bytea' ? [key] : [key.toString('base64'), key.toString('hex'), key.toString('base64url')],
    );
    if (rows[0]!.n > 0) hits.push(`${t}.${c}`);
  }
  return hits;
}

/** Every file under a folder, as paths relative to it. */
const filesUnder = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    : [];

/**
 * Where the vault keeps what it stores (issue #22): a hub on a real HUB_DATA_DIR keeps the encrypted blobs under
 * `<dir>/blobs` and (a demo or test hub) its master keys in a file beside them that only the hub's user may read, never
 * in the database; a hub in memory keeps its blobs in a temporary folder it removes at stop; a production hub keeps its
 * keys only in a VAULT_KEYS_FILE outside the blob folder (without one its vault answers 503 and says why); and one not
 * told which scanner to use says so in `/healthz`.
 */
describe.each(dbTargets)('where the vault keeps its blobs and keys, on $name', (target) => {
  let t: TestHub | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await t?.stop();
    t = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** Head office uploads one text document into a folder of its own; answers the version as the API shows it. */
  const upload = async (hub: TestHub) => {
    const admin = { cookie: await hub.login() };
    const folder = await hub.call(
      'POST',
      '/api/vault/folders',
      { parentId: VAULT_ROOT_ID, name: 'Head office' },
      admin,
    );
    expect(folder.status, JSON.stringify(folder.body)).toBe(201);
    const up = await hub.call(
      'POST',
      `/api/vault/folders/${folder.body.id}/documents?name=Cash%20handling.txt`,
      undefined,
      {
        ...admin,
        rawBody: TEXT,
        contentType: 'text/plain',
      },
    );
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const { rows } = await hub.hub.db.query<{ blob_key: string }>('SELECT blob_key FROM vault_versions WHERE id = $1', [
      up.body.version.id,
    ]);
    return { admin, documentId: up.body.node.id as string, blobHex: rows[0]!.blob_key.replace(/^sha256:/, '') };
  };

  it('a hub on HUB_DATA_DIR keeps the ciphertext under <dir>/blobs and its keys in a 0600 file beside it, none of them in the database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vault-settings-'));
    dirs.push(dir);
    t = await TestHub.start(target, { dataDir: dir });
    const { admin, documentId, blobHex } = await upload(t);

    const blobs = filesUnder(join(dir, 'blobs'));
    expect(blobs).toContain(join('sha256', blobHex.slice(0, 2), blobHex.slice(2, 4), blobHex));
    // what is on the disk is not the text: it is the ciphertext
    const stored = readFileSync(join(dir, 'blobs', 'sha256', blobHex.slice(0, 2), blobHex.slice(2, 4), blobHex));
    expect(stored.includes(Buffer.from('Cash-handling SOP'))).toBe(false);

    // beside the blobs: in the blob folder (where the crypto part keeps it) or next to it (the settings' word for it)
    const places = [join(dir, 'blobs', 'vault-keys.json'), join(dir, 'vault-keys.json')].filter((f) => existsSync(f));
    expect(places, `the keys file beside the blobs: ${readdirSync(join(dir, 'blobs')).join(', ')}`).toHaveLength(1);
    const keysFile = places[0]!;
    expect(statSync(keysFile).mode & 0o777).toBe(0o600);
    const keys = keyMaterial(keysFile);
    expect(keys.length, 'a key in the keys file').toBeGreaterThan(0);
    // a rotation adds a second key, and its re-wrap writes every version's data key again: still no key in the database
    expect((await t.call('POST', '/api/vault/keys/rotate', {}, admin)).status).toBe(202);
    const rotated = keyMaterial(keysFile);
    expect(rotated.length).toBeGreaterThan(keys.length);
    for (const key of rotated) expect(await columnsHolding(t.hub.db, key)).toEqual([]);
    // and the document still reads back as it was written
    const back = await t.call('GET', `/api/vault/documents/${documentId}/content`, undefined, admin);
    expect(back.body).toBe(TEXT);
  });

  it('a hub in memory keeps its blobs in a temporary folder and removes it at stop', async () => {
    t = await TestHub.start(target);
    const { blobHex } = await upload(t);
    // the hub's folder is the one temporary blob folder holding this upload's ciphertext (other hubs may run beside)
    const mine = readdirSync(tmpdir())
      .filter((n) => n.startsWith('storefleet-hub-blobs-'))
      .map((n) => join(tmpdir(), n))
      .filter((d) => existsSync(join(d, 'sha256', blobHex.slice(0, 2), blobHex.slice(2, 4), blobHex)));
    expect(mine).toHaveLength(1);
    await t.stop();
    t = undefined;
    expect(existsSync(mine[0]!)).toBe(false);
  });

  it('a production hub with VAULT_KEYS_FILE apart from the data keeps its keys there and, with no VAULT_SCANNER, keeps documents unscanned', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vault-settings-'));
    const keysDir = mkdtempSync(join(tmpdir(), 'vault-settings-keys-'));
    dirs.push(dir, keysDir);
    const keysFile = join(keysDir, 'vault-keys.json');
    // the blobs in a folder of the test's own (a production hub on PGlite in memory would use ./data/hub-blobs)
    t = await TestHub.start(target, { mode: 'production', blobDir: join(dir, 'blobs'), vaultKeysFile: keysFile });
    const health = (await t.call('GET', '/healthz')).body;
    expect(health.externalParties.vaultScanner).toBe('none');
    expect(health.warnings).toEqual(
      expect.arrayContaining([
        'no virus scanner for the vault is configured: set VAULT_SCANNER. Uploaded documents are kept unscanned, and marked so, until one is.',
      ]),
    );
    expect(health.warnings.join('\n')).not.toContain('VAULT_KEYS_FILE');
    const { admin, documentId } = await upload(t);
    const versions = await t.call('GET', `/api/vault/documents/${documentId}/versions`, undefined, admin);
    expect(versions.body.items[0].scanState).toBe('UNSCANNED');
    // the keys are where they were told to be, and nowhere near the ciphertext
    expect(statSync(keysFile).mode & 0o777).toBe(0o600);
    expect(filesUnder(join(dir, 'blobs')).filter((f) => f.includes('vault-keys'))).toEqual([]);
  });

  it('a production hub without VAULT_KEYS_FILE, or with it inside the blob folder, starts but its vault answers 503 with the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vault-settings-'));
    dirs.push(dir);
    const blobDir = join(dir, 'blobs');
    for (const vaultKeysFile of [undefined, join(blobDir, 'keys', 'vault-keys.json')]) {
      t = await TestHub.start(target, { mode: 'production', blobDir, vaultKeysFile });
      // the hub runs, and says why the vault does not
      expect((await t.call('GET', '/healthz')).status).toBeLessThan(500);
      const admin = { cookie: await t.login() };
      const folder = await t.call(
        'POST',
        '/api/vault/folders',
        { parentId: VAULT_ROOT_ID, name: 'Head office' },
        admin,
      );
      const answers = [
        await t.call('GET', '/api/vault/keys', undefined, admin),
        await t.call('POST', `/api/vault/folders/${folder.body.id}/documents?name=Cash%20handling.txt`, undefined, {
          ...admin,
          rawBody: TEXT,
          contentType: 'text/plain',
        }),
      ];
      for (const res of answers) {
        expect(res.status, JSON.stringify(res.body)).toBe(503);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body.detail).toContain('set VAULT_KEYS_FILE to a file outside the data and blob folders');
      }
      await t.stop();
      t = undefined;
      // no keys were made beside the blobs
      expect(filesUnder(blobDir).filter((f) => f.includes('vault-keys'))).toEqual([]);
    }
  });
});
