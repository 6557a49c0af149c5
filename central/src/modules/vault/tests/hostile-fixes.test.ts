import { createHash } from 'node:crypto';
import { VAULT_ROOT_ID } from '@storefleet/shared';
import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { smallPng } from '../../../../tests/support/vault-access.js';
import { EICAR_TEST_STRING } from '../scanner.js';
import { blobFiles, docsHub, grant, newFolder, person, scanned, send, upload } from './documents-harness.js';

/**
 * What a hostile review found (issue #22), each now refused: owning a document by moving it into one's own folder, the
 * words of a quarantined or unscanned file found by search, thumbnails and version lists read unaudited, the names of
 * folders one cannot read shown in a path or a grants list, and an idempotent retry with another file.
 */
describe.each(dbTargets)('vault: the hostile review’s findings ($name)', (target) => {
  const h = docsHub(target);
  const auditOf = async (nodeId: string) =>
    (
      await h.t.hub.db.query<{ action: string; detail: Record<string, unknown> }>(
        'SELECT action, detail FROM vault_audit WHERE node_id = $1 ORDER BY seq',
        [nodeId],
      )
    ).rows;

  it('moving a document out of its folder needs SHARE on it: DELETE and OWNER of another folder do not make one its OWNER', async () => {
    const u = await person(h);
    const hr = await newFolder(h, VAULT_ROOT_ID, 'HR confidential');
    const mine = await newFolder(h, VAULT_ROOT_ID, 'U personal');
    const doc = (await upload(h, hr, 'salaries.txt', 'CEO 1,000,000', { type: 'text/plain' })).json.node.id;
    await grant(h, doc, u.subject, 3); // DELETE
    await grant(h, mine, u.subject, 5); // OWNER

    const move = await h.t.call('PATCH', `/api/vault/nodes/${doc}`, { parentId: mine }, { cookie: u.cookie });
    expect(move.status).toBe(403);
    expect(move.body.detail).toContain('SHARE');
    const after = await h.t.call('GET', `/api/vault/nodes/${doc}`, undefined, { cookie: u.cookie });
    expect(after.body.parentId).toBe(hr);
    expect(after.body.level).toBe('DELETE');

    // with SHARE on the document the move is theirs to make
    await grant(h, doc, u.subject, 4);
    const allowed = await h.t.call('PATCH', `/api/vault/nodes/${doc}`, { parentId: mine }, { cookie: u.cookie });
    expect(allowed.status).toBe(200);
    expect(allowed.body.parentId).toBe(mine);
  });

  it('search never finds the words of a quarantined version, nor of one still being scanned; names still match', async () => {
    const r = await person(h);
    const f = await newFolder(h, VAULT_ROOT_ID, 'Quarantine test');
    await grant(h, f, r.subject, 1);
    const search = async (q: string) => {
      const res = await send(h, 'GET', `/api/vault/search?q=${encodeURIComponent(q)}`, r.cookie);
      expect(res.status).toBe(200);
      return res.json.items.map((i: { name: string }) => i.name);
    };
    const infected = await upload(
      h,
      f,
      'notes.txt',
      Buffer.from(`${EICAR_TEST_STRING}\nthe vault password is zebracornflakes`, 'latin1'),
      { type: 'text/plain' },
    );
    expect(await scanned(h, infected.json.version.id)).toBe('INFECTED');
    expect(await search('zebracornflakes')).toEqual([]);
    expect(await search('notes')).toEqual(['notes.txt']);

    const clean = await upload(h, f, 'plan.txt', 'the launch codename is marmalade', { type: 'text/plain' });
    expect(await scanned(h, clean.json.version.id)).toBe('CLEAN');
    expect(await search('marmalade')).toEqual(['plan.txt']);
    // the same document while its version waits for the scanner: not found by its words
    await h.t.hub.db.query(`UPDATE vault_versions SET scan_state = 'PENDING' WHERE id = $1`, [clean.json.version.id]);
    expect(await search('marmalade')).toEqual([]);
    expect(await search('plan')).toEqual(['plan.txt']);
    await h.t.hub.db.query(`UPDATE vault_versions SET scan_state = 'CLEAN' WHERE id = $1`, [clean.json.version.id]);
  });

  it('a thumbnail and the version list are audited VIEW', async () => {
    const r = await person(h);
    const f = await newFolder(h, VAULT_ROOT_ID, 'Pics');
    await grant(h, f, r.subject, 1);
    const up = await upload(h, f, 'badge.png', smallPng(64, 64), { type: 'image/png' });
    const doc = up.json.node.id;
    expect(await scanned(h, up.json.version.id)).toBe('CLEAN');
    const before = (await auditOf(doc)).length;

    const thumb = await send(h, 'GET', `/api/vault/documents/${doc}/thumbnail`, r.cookie);
    expect(thumb.status).toBe(200);
    const versions = await send(h, 'GET', `/api/vault/documents/${doc}/versions`, r.cookie);
    expect(versions.status).toBe(200);

    const added = (await auditOf(doc)).slice(before);
    expect(added).toEqual([
      { action: 'VIEW', detail: { thumbnail: true, versionNo: 1 } },
      { action: 'VIEW', detail: { versions: true } },
    ]);
  });

  it('the path and the grants list name no folder the caller cannot read', async () => {
    const r = await person(h);
    const secret = await newFolder(h, VAULT_ROOT_ID, 'Project Layoffs 2026');
    const open = await newFolder(h, secret, 'Open FAQ');
    const doc = (await upload(h, open, 'faq.txt', 'faq', { type: 'text/plain' })).json.node.id;
    const lone = (await upload(h, secret, 'lone.txt', 'lone', { type: 'text/plain' })).json.node.id;
    await grant(h, open, r.subject, 1);
    await grant(h, doc, r.subject, 4);
    await grant(h, lone, r.subject, 4);

    const n = await send(h, 'GET', `/api/vault/nodes/${doc}`, r.cookie);
    expect(n.json.path).toEqual([{ id: open, name: 'Open FAQ' }]);
    const l = await send(h, 'GET', `/api/vault/nodes/${lone}`, r.cookie);
    expect(l.json.path).toEqual([]);
    // head office still sees the whole way down
    const full = await send(h, 'GET', `/api/vault/nodes/${doc}`, h.admin);
    expect(full.json.path.map((p: { name: string }) => p.name)).toEqual(['Vault', 'Project Layoffs 2026', 'Open FAQ']);

    const g = await send(h, 'GET', `/api/vault/nodes/${doc}/grants`, r.cookie);
    expect(g.status).toBe(200);
    const names = g.json.items.map((x: { nodeName: string }) => x.nodeName);
    expect(names).not.toContain('Vault');
    expect(names).not.toContain('Project Layoffs 2026');
    expect(names).toEqual(['Open FAQ', 'faq.txt']);
    expect(g.json.hiddenInherited).toBe(1); // role:ADMIN's OWNER on the root
    const all = await send(h, 'GET', `/api/vault/nodes/${doc}/grants`, h.admin);
    expect(all.json.items.map((x: { nodeName: string }) => x.nodeName)).toContain('Vault');
    expect(all.json.hiddenInherited).toBe(0);
  });

  it('an upload whose Repr-Digest does not match its bytes is refused and nothing is kept', async () => {
    const f = await newFolder(h, VAULT_ROOT_ID, 'Idem');
    const digest = (s: string) => `sha-256=:${createHash('sha256').update(s).digest('base64')}:`;
    const blobsBefore = blobFiles(h).length;

    const doc = (await upload(h, f, 'price.txt', 'price=100', { type: 'text/plain' })).json.node.id;
    const blobsWithDoc = blobFiles(h).length;
    expect(blobsWithDoc).toBe(blobsBefore + 1);

    const bad = await send(h, 'PUT', `/api/vault/documents/${doc}/content`, h.admin, 'price=200', {
      'content-type': 'text/plain',
      'repr-digest': digest('price=100'),
      'idempotency-key': 'digest-k1',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(blobFiles(h).length).toBe(blobsWithDoc);
    const versions = await send(h, 'GET', `/api/vault/documents/${doc}/versions`, h.admin);
    expect(versions.json.items).toHaveLength(1);

    const newDoc = await send(h, 'POST', `/api/vault/folders/${f}/documents?name=other.txt`, h.admin, 'AAAA', {
      'content-type': 'text/plain',
      'content-digest': digest('BBBB'),
    });
    expect(newDoc.status).toBe(400);
    expect((await send(h, 'GET', `/api/vault/search?q=other.txt`, h.admin)).json.items).toEqual([]);

    const malformed = await send(h, 'PUT', `/api/vault/documents/${doc}/content`, h.admin, 'x', {
      'repr-digest': 'sha-256=:not-base64:',
    });
    expect(malformed.status).toBe(400);

    const good = await send(h, 'PUT', `/api/vault/documents/${doc}/content`, h.admin, 'price=200', {
      'content-type': 'text/plain',
      'repr-digest': `sha-512=:${createHash('sha512').update('x').digest('base64')}:, ${digest('price=200')}`,
    });
    expect(good.status).toBe(201);
    expect(good.json.version.versionNo).toBe(2);
  });
});
